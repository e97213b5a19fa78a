// Prometheus text exposition (version 0.0.4) for the services' GET /metrics: one HELP and
// TYPE line per metric, then its samples. Pure; label values are escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/bus/bus.hpp"

namespace tickflow {

class PrometheusText {
 public:
  // Starts metric `name` ("counter" or "gauge").
  PrometheusText& metric(std::string_view name, std::string_view type, std::string_view help);
  // A sample of the current metric; `labels` is `key="value",...` built with label().
  PrometheusText& sample(std::string_view labels, double value);
  PrometheusText& sample(double value) { return sample({}, value); }

  // `key="value"` with the value escaped as the format requires.
  static std::string label(std::string_view key, std::string_view value);

  const std::string& text() const noexcept { return out_; }

 private:
  std::string out_;
  std::string name_;
};

// The bus counters every service reports: queue depth, lag, records by outcome.
void append_bus_metrics(PrometheusText& out, const BusCounters& counters);

}  // namespace tickflow
