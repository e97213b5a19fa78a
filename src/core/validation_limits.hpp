// Limits and ranges that input validation enforces; values come from config [validation].
#pragma once

#include <cstddef>

namespace tickflow {

struct ValidationLimits {
  std::size_t max_record_bytes = 64 * 1024;  // one JSON object
  std::size_t max_depth = 16;                // nesting inside pass-through fields
  std::size_t max_string_bytes = 1024;       // headline, news_type, indicator_name, ...
  std::size_t max_extra_fields = 32;         // members the schema does not name
  std::size_t max_extra_bytes = 8 * 1024;    // their total JSON size
  // Far above any market, far below where sums over indicator windows would overflow.
  double max_price = 1e12;
  double max_quantity = 1e15;  // order sizes; volume is also bounded by 2^53
  double min_timestamp = 315532800;          // 1980-01-01T00:00:00Z
  double max_future_seconds = 86400;         // how far after "now" a timestamp may be
  // Distinct keys (symbols, indicator names) the stages keep state for: a flood of made-up
  // symbols is rejected past this instead of growing memory without end.
  std::size_t max_symbols = 100000;
};

}  // namespace tickflow
