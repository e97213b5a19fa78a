#include "src/net/connection_limits.hpp"

namespace tickflow {

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    address_ = std::move(other.address_);
    websocket_ = other.websocket_;
    other.owner_ = nullptr;
  }
  return *this;
}

void ConnectionLimits::Slot::release() {
  if (owner_) owner_->release(address_, websocket_);
  owner_ = nullptr;
}

ConnectionLimits::Slot ConnectionLimits::connect(const std::string& address, Refusal* why) {
  std::lock_guard lock(mu_);
  Refusal refusal = Refusal::none;
  auto it = by_address_.find(address);
  std::size_t mine = it == by_address_.end() ? 0 : it->second.connections;
  if (open_ >= limits_.total) {
    refusal = Refusal::total;
  } else if (mine >= limits_.per_address) {
    refusal = Refusal::per_address;
  }
  if (why) *why = refusal;
  Slot slot;
  if (refusal != Refusal::none) return slot;
  ++open_;
  ++by_address_[address].connections;
  slot.owner_ = this;
  slot.address_ = address;
  return slot;
}

bool ConnectionLimits::upgrade(Slot& slot, Refusal* why) {
  std::lock_guard lock(mu_);
  Refusal refusal = Refusal::none;
  if (slot.websocket_ || !slot.owner_) {
    if (why) *why = refusal;
    return static_cast<bool>(slot);
  }
  PerAddress& mine = by_address_[slot.address_];
  if (websockets_ >= limits_.websockets) {
    refusal = Refusal::websockets;
  } else if (mine.websockets >= limits_.websockets_per_address) {
    refusal = Refusal::websockets_per_address;
  }
  if (why) *why = refusal;
  if (refusal != Refusal::none) return false;
  ++websockets_;
  ++mine.websockets;
  slot.websocket_ = true;
  return true;
}

void ConnectionLimits::release(const std::string& address, bool websocket) {
  std::lock_guard lock(mu_);
  --open_;
  if (websocket) --websockets_;
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  --it->second.connections;
  if (websocket) --it->second.websockets;
  if (it->second.connections == 0) by_address_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::size_t ConnectionLimits::open_websockets() const {
  std::lock_guard lock(mu_);
  return websockets_;
}

}  // namespace tickflow
