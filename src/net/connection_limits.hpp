// How many connections a server holds, in all, per client address and as WebSockets, so
// that no one client (1,000 idle WebSockets, thousands of slowloris connections) can take
// every place: past its own limits a client is refused while others, and /healthz, still
// get in. A Slot is one connection's place; it gives the place back when destroyed.
// Thread-safe; outlives every Slot it hands out.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tickflow {

struct ConnectionLimitValues {
  std::size_t total = 4096;
  std::size_t per_address = 1024;
  std::size_t websockets = 512;  // counted within `total` too
  std::size_t websockets_per_address = 256;
};

class ConnectionLimits {
 public:
  // One address never gets more than half the places (or the WebSockets) whatever
  // per_address says: the dashboard's 1,024 places with a per-address limit of 1,024 would
  // otherwise let one client take them all.
  explicit ConnectionLimits(ConnectionLimitValues limits) : limits_(limits) {
    limits_.per_address = std::min(limits_.per_address, std::max<std::size_t>(1, limits_.total / 2));
    limits_.websockets_per_address =
        std::min(limits_.websockets_per_address, std::max<std::size_t>(1, limits_.websockets / 2));
  }

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    explicit operator bool() const { return owner_ != nullptr; }
    bool websocket() const { return websocket_; }
    const std::string& address() const { return address_; }

   private:
    friend class ConnectionLimits;
    void release();
    ConnectionLimits* owner_ = nullptr;
    std::string address_;
    bool websocket_ = false;
  };

  enum class Refusal { none, total, per_address, websockets, websockets_per_address };

  // A place for a new connection from `address`, or an empty slot and why not.
  Slot connect(const std::string& address, Refusal* why = nullptr);
  // Makes `slot` a WebSocket's place; false (slot unchanged) when over a WebSocket limit.
  bool upgrade(Slot& slot, Refusal* why = nullptr);

  std::size_t open() const;
  std::size_t open_websockets() const;
  const ConnectionLimitValues& limits() const { return limits_; }

 private:
  struct PerAddress {
    std::size_t connections = 0;
    std::size_t websockets = 0;
  };
  void release(const std::string& address, bool websocket);

  ConnectionLimitValues limits_;
  mutable std::mutex mu_;
  std::size_t open_ = 0;
  std::size_t websockets_ = 0;
  std::unordered_map<std::string, PerAddress> by_address_;
};

}  // namespace tickflow
