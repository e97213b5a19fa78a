#include "src/core/alarm_parser.hpp"

#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>


namespace tickflow {

namespace {

// Control characters would let a reason or id break out of a mail header line.
bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

class FieldReader {
 public:
  FieldReader(simdjson::dom::object object, ValidationErrors& errors) : object_(object), errors_(errors) {}

  void text(const char* field, std::string& out, std::size_t max_bytes, bool allow_empty = false) {
    simdjson::dom::element e;
    if (object_[field].get(e)) return missing(field);
    std::string_view s;
    if (e.get_string().get(s)) return fail(field, "must be a string");
    if (s.empty() && !allow_empty) return fail(field, "must not be empty");
    if (s.size() > max_bytes) return fail(field, fmt::format("is {} bytes; at most {}", s.size(), max_bytes));
    if (has_control(s)) return fail(field, "contains a control character");
    out.assign(s);
  }

  void number(const char* field, double& out) {
    simdjson::dom::element e;
    if (object_[field].get(e)) return missing(field);
    if (e.get_double().get(out) || !std::isfinite(out)) fail(field, "must be a finite number");
  }

  // Absent or null: no value (indicators still warming up).
  void optional_number(const char* field, std::optional<double>& out) {
    simdjson::dom::element e;
    out.reset();
    if (object_[field].get(e) || e.is_null()) return;
    double d = 0;
    if (e.get_double().get(d) || !std::isfinite(d)) return fail(field, "must be a finite number or null");
    out = d;
  }

  void fail(const char* field, std::string reason) { errors_.push_back({field, std::move(reason)}); }

 private:
  void missing(const char* field) { fail(field, "is required"); }

  simdjson::dom::object object_;
  ValidationErrors& errors_;
};

}  // namespace

bool parse_alarm(std::string_view json, Alarm& out, ValidationErrors& errors) {
  errors.clear();
  if (json.size() > max_alarm_bytes) {
    errors.push_back({whole_record, fmt::format("alarm is {} bytes; at most {}", json.size(), max_alarm_bytes)});
    return false;
  }
  // One parser per thread: notify and the dashboard read alarms on their own threads.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc)) {
    errors.push_back({whole_record, fmt::format("not valid JSON: {}", simdjson::error_message(error))});
    return false;
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    errors.push_back({whole_record, "must be a JSON object"});
    return false;
  }
  FieldReader read(object, errors);
  read.text("alarm_id", out.alarm_id, 256);
  read.text("stock_symbol", out.stock_symbol, 256);
  std::string side;
  read.text("signal", side, 16);
  if (!side.empty()) {
    auto parsed = parse_side(side);
    if (!parsed || *parsed == Side::neutral) read.fail("signal", "must be \"buy\" or \"sell\"");
    else out.signal = *parsed;
  }
  read.text("reason", out.reason, 4096, true);
  read.number("price", out.price);
  read.optional_number("rsi", out.rsi);
  read.optional_number("ema", out.ema);
  read.optional_number("ma", out.ma);
  read.number("timestamp", out.timestamp);
  read.text("source", out.source, 64);
  return errors.empty();
}

}  // namespace tickflow
