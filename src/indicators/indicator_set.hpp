// The per-symbol indicators every stock tick carries (docs/schema.md: ma, ema, rsi), with the
// periods from config [indicators]. One instance per symbol; not thread-safe.
#pragma once

#include "src/core/record.hpp"
#include "src/indicators/ema.hpp"
#include "src/indicators/rsi.hpp"
#include "src/indicators/sma.hpp"

namespace tickflow {

struct IndicatorPeriods {
  int ma = 20;
  int ema = 12;
  int rsi = 14;
};

class IndicatorSet {
 public:
  explicit IndicatorSet(const IndicatorPeriods& p) : ma_(p.ma), ema_(p.ema), rsi_(p.rsi) {}

  Indicators update(double close) noexcept {
    Indicators out;
    update(close, out);
    return out;
  }
  // The same written into `out` member by member (hot paths: an Indicators returned whole
  // is stored in pieces and then copied with wide loads, which the CPU cannot forward).
  void update(double close, Indicators& out) noexcept {
    out.ma = ma_.update(close);
    out.ema = ema_.update(close);
    out.rsi = rsi_.update(close);
  }

  void save(StateWriter& w) const {
    ma_.save(w);
    ema_.save(w);
    rsi_.save(w);
  }
  // False when the bytes do not fit these periods (e.g. a checkpoint from other settings).
  bool load(StateReader& r) { return ma_.load(r) && ema_.load(r) && rsi_.load(r) && r.at_end(); }

 private:
  Sma ma_;
  Ema ema_;
  Rsi rsi_;
};

}  // namespace tickflow
