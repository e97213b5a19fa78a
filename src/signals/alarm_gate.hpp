// Decides when a signal becomes an alarm: on entering buy or sell (an edge, not every tick
// that stays there), and not again within the cooldown. One gate per key and rule source.
#pragma once

#include "src/core/side.hpp"
#include "src/core/state_codec.hpp"

namespace tickflow {

class AlarmGate {
 public:
  // Records the signal seen at `timestamp` and says whether it raises an alarm.
  bool admit(Side signal, double timestamp, double cooldown_seconds) noexcept {
    bool entered = signal != Side::neutral && signal != last_;
    last_ = signal;
    if (!entered) return false;
    if (fired_ && timestamp - last_alarm_ts_ < cooldown_seconds) return false;
    fired_ = true;
    last_alarm_ts_ = timestamp;
    return true;
  }

  void save(StateWriter& w) const {
    w.put(last_);
    w.put(fired_);
    w.put(last_alarm_ts_);
  }
  void load(StateReader& r) {
    r.get(last_);
    r.get(fired_);
    r.get(last_alarm_ts_);
  }

 private:
  Side last_ = Side::neutral;
  bool fired_ = false;
  double last_alarm_ts_ = 0;
};

}  // namespace tickflow
