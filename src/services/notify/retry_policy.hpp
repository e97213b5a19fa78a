// When a failed delivery is tried again: exponential backoff from `initial_seconds`,
// doubling per failed attempt up to `max_seconds`, with "equal jitter" (half the delay
// fixed, half random) so that many alarms failing together do not retry in lockstep.
// After `max_attempts` failed attempts the delivery is dead-lettered. Pure.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>

namespace tickflow {

struct RetryPolicy {
  int max_attempts = 10;
  double initial_seconds = 1;
  double max_seconds = 300;
  bool dead_letter_permanent = true;  // a permanent refusal (SMTP 5xx, HTTP 4xx) is not retried
};

// Seconds to wait after the `failed_attempts`-th failure (1-based), or nothing when the
// delivery should be dead-lettered. `jitter01` is uniform in [0, 1).
inline std::optional<double> retry_delay(const RetryPolicy& p, int failed_attempts, bool permanent, double jitter01) {
  if (failed_attempts >= p.max_attempts || (permanent && p.dead_letter_permanent)) return std::nullopt;
  double exponent = std::min(failed_attempts - 1, 60);
  double delay = std::min(p.max_seconds, p.initial_seconds * std::exp2(exponent));
  return delay / 2 + delay / 2 * std::clamp(jitter01, 0.0, 1.0);
}

}  // namespace tickflow
