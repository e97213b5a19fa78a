// Parameters of the market simulator (config [generate]).
#pragma once

#include <cstdint>

namespace tickflow {

struct SimulatorConfig {
  double mu = 0.0;                // drift per bar (GBM)
  double sigma = 0.003;           // volatility per bar (GBM)
  double tick_share = 0.8;        // fraction of records that are stock ticks
  double min_interval_seconds = 1;  // record time advances by a uniform draw in [min, max]
  double max_interval_seconds = 5;
  double start_timestamp = 1735689600;  // 2025-01-01T00:00:00Z, for files (--out)
  std::int64_t mean_volume = 5000;
};

}  // namespace tickflow
