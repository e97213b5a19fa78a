// What one page has yet to receive, bounded. A page that keeps up gets every message.
// Once `conflate_after` messages wait (the page or its connection is slow), a newer tick,
// summary, order book or market data for a symbol replaces the pending one (latest wins:
// a page that is behind needs the present, not every step to it); alarms, notifications,
// signals, news and economic indicators are never conflated or dropped. When the queue
// passes `max_pending` anyway, the page is too far behind: the queue says so, and the
// server resyncs it with a fresh snapshot.
// Pure; one per client, guarded by its owner.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "src/services/dashboard/dashboard_feed.hpp"

namespace tickflow {

class ClientQueue {
 public:
  explicit ClientQueue(std::size_t max_pending, std::size_t conflate_after = 1000)
      : max_pending_(max_pending), conflate_after_(conflate_after) {}

  // Messages at or below `floor` (already in the snapshot the page got) are skipped.
  void set_floor(std::uint64_t cursor) { floor_ = cursor; }
  void push(const FeedMessage& message);

  // Up to `max_messages` pending messages as one JSON array, oldest first; "" when none.
  std::string take_batch(std::size_t max_messages);

  std::size_t size() const noexcept { return pending_; }
  bool overflowed() const noexcept { return overflowed_; }
  std::uint64_t conflated() const noexcept { return conflated_; }
  // Forgets everything pending (the page gets a snapshot instead).
  void reset(std::uint64_t floor);

 private:
  std::size_t max_pending_;
  std::size_t conflate_after_;
  std::uint64_t floor_ = 0;
  std::deque<std::string> slots_;                  // pending messages, oldest first
  std::uint64_t first_slot_ = 0;                   // the number of slots_.front()
  std::unordered_map<std::string, std::uint64_t> latest_;  // type+symbol → slot number
  std::size_t pending_ = 0;
  std::uint64_t conflated_ = 0;
  bool overflowed_ = false;
};

}  // namespace tickflow
