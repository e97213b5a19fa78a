#include "src/services/common/prometheus_text.hpp"

#include <fmt/format.h>

#include "src/core/json_writer.hpp"

namespace tickflow {

PrometheusText& PrometheusText::metric(std::string_view name, std::string_view type, std::string_view help) {
  name_ = name;
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  return *this;
}

PrometheusText& PrometheusText::sample(std::string_view labels, double value) {
  out_ += name_;
  if (!labels.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += '}';
  }
  out_ += ' ';
  json::append_number(out_, value);
  out_ += '\n';
  return *this;
}

std::string PrometheusText::label(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
  return out;
}

void append_bus_metrics(PrometheusText& out, const BusCounters& c) {
  out.metric("tickflow_bus_queue_depth", "gauge", "Records accepted by the bus, not yet delivered.")
      .sample(static_cast<double>(c.queue_depth));
  out.metric("tickflow_bus_lag", "gauge", "Records stored, not yet committed by the slowest group (in-memory bus).")
      .sample(static_cast<double>(c.lag));
  out.metric("tickflow_bus_records_total", "counter", "Bus records by outcome.")
      .sample(PrometheusText::label("outcome", "published"), static_cast<double>(c.published))
      .sample(PrometheusText::label("outcome", "delivered"), static_cast<double>(c.delivered))
      .sample(PrometheusText::label("outcome", "failed"), static_cast<double>(c.failed))
      .sample(PrometheusText::label("outcome", "consumed"), static_cast<double>(c.consumed));
}

}  // namespace tickflow
