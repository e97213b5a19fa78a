#include "src/services/dashboard/client_queue.hpp"

namespace tickflow {

void ClientQueue::push(const FeedMessage& m) {
  if (m.cursor <= floor_ || overflowed_) return;
  if (m.conflatable()) {
    std::string key = m.type + '\n' + m.symbol;
    auto it = latest_.find(key);
    if (pending_ >= conflate_after_ && it != latest_.end() && it->second >= first_slot_) {
      // Behind: latest wins, in the place of the one it replaces.
      slots_[it->second - first_slot_] = m.text;
      ++conflated_;
      return;
    }
    latest_[key] = first_slot_ + slots_.size();
  }
  if (pending_ >= max_pending_) {
    overflowed_ = true;
    return;
  }
  slots_.emplace_back(m.text);
  ++pending_;
}

std::string ClientQueue::take_batch(std::size_t max_messages) {
  std::string out;
  std::size_t taken = 0;
  while (!slots_.empty() && taken < max_messages) {
    out += taken == 0 ? '[' : ',';
    out += slots_.front();
    slots_.pop_front();
    ++first_slot_;
    ++taken;
    --pending_;
  }
  if (taken) out += ']';
  if (slots_.empty()) latest_.clear();
  return out;
}

void ClientQueue::reset(std::uint64_t floor) {
  slots_.clear();
  latest_.clear();
  first_slot_ = 0;
  pending_ = 0;
  overflowed_ = false;
  floor_ = floor;
}

}  // namespace tickflow
