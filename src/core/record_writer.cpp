#include "src/core/record_writer.hpp"

#include "src/core/json_writer.hpp"

namespace tickflow {

namespace {

using json::append_number_field;
using json::append_string_field;

struct BodyWriter {
  std::string& out;

  void operator()(const StockTick& t) const {
    append_number_field(out, "opening_price", t.opening_price);
    append_number_field(out, "closing_price", t.closing_price);
    append_number_field(out, "high", t.high);
    append_number_field(out, "low", t.low);
    out += ",\"volume\":";
    json::append_number(out, t.volume);
  }
  void operator()(const OrderBookEntry& o) const {
    append_string_field(out, "order_type", to_string(o.order_type));
    append_number_field(out, "price", o.price);
    append_number_field(out, "quantity", o.quantity);
  }
  void operator()(const NewsSentiment& n) const {
    append_number_field(out, "sentiment_score", n.sentiment_score);
    append_number_field(out, "sentiment_magnitude", n.sentiment_magnitude);
    if (n.headline) append_string_field(out, "headline", *n.headline);
    if (n.news_type) append_string_field(out, "news_type", *n.news_type);
  }
  void operator()(const MarketData& m) const {
    append_number_field(out, "market_cap", m.market_cap);
    append_number_field(out, "pe_ratio", m.pe_ratio);
  }
  void operator()(const EconomicIndicator& e) const {
    append_string_field(out, "indicator_name", e.indicator_name);
    append_number_field(out, "value", e.value);
  }
};

// The writers below make room once and write through a pointer: they run for every record
// of every stage, and a capacity check per piece cost more than the pieces.
constexpr std::size_t max_field_chars = 24 + json::max_number_chars;  // `,"signal_strength":` + value

char* write_optional_field(char* at, std::string_view key, const std::optional<double>& value) {
  return json::write_optional(json::write_raw(at, key), value);
}

char* write_indicators(char* at, const Indicators& ind) {
  at = write_optional_field(at, ",\"ma\":", ind.ma);
  at = write_optional_field(at, ",\"ema\":", ind.ema);
  return write_optional_field(at, ",\"rsi\":", ind.rsi);
}

char* write_signal(char* at, const SignalResult& signal) {
  at = json::write_raw(at, ",\"signal\":\"");
  at = json::write_raw(at, to_string(signal.signal));
  at = json::write_raw(at, "\",\"signal_reason\":");
  at = json::write_string(at, signal.reason);
  at = json::write_raw(at, ",\"signal_strength\":");
  return json::write_number(at, signal.strength);
}

constexpr std::size_t max_indicator_chars = 3 * max_field_chars;
std::size_t max_signal_chars(const SignalResult& signal) {
  return 2 * max_field_chars + json::max_string_chars(signal.reason.size());
}

void append_indicators(const Indicators& ind, std::string& out) {
  json::append_bounded(out, max_indicator_chars, [&](char* at) { return write_indicators(at, ind); });
}

void append_signal(const SignalResult& signal, std::string& out) {
  json::append_bounded(out, max_signal_chars(signal), [&](char* at) { return write_signal(at, signal); });
}

// `raw` without trailing blanks and its closing brace.
std::string_view open_object(std::string_view raw) {
  while (!raw.empty() && raw.back() != '}') raw.remove_suffix(1);
  if (!raw.empty()) raw.remove_suffix(1);
  return raw;
}

void append_pipeline_fields(const Record& r, std::string& out) {
  std::size_t bound = 3 * max_field_chars + 1;
  if (r.indicators) bound += max_indicator_chars;
  if (r.signal) bound += max_signal_chars(*r.signal);
  json::append_bounded(out, bound, [&](char* at) {
    if (r.seq) {
      at = json::write_raw(at, ",\"seq\":");
      at = json::write_number(at, *r.seq);
    }
    if (r.ingest_ts) {
      at = json::write_raw(at, ",\"ingest_ts\":");
      at = json::write_number(at, *r.ingest_ts);
    }
    if (r.indicators) at = write_indicators(at, *r.indicators);
    if (r.signal) at = write_signal(at, *r.signal);
    *at++ = '}';
    return at;
  });
}

}  // namespace

void write_record(const Record& r, std::string& out) {
  out += "{\"data_type\":\"";
  out += to_string(r.type);
  out += '"';
  if (r.type != DataType::economic_indicator) append_string_field(out, "stock_symbol", r.symbol.view());
  std::visit(BodyWriter{out}, r.body);
  append_number_field(out, "timestamp", r.timestamp);
  if (!r.extras.empty()) {
    out += ',';
    out += r.extras;
  }
  append_pipeline_fields(r, out);
}

void write_record_reusing(const Record& r, std::string_view raw, std::string& out) {
  raw = open_object(raw);
  if (!r.raw_reusable || raw.empty()) {
    write_record(r, out);
    return;
  }
  out += raw;
  if (!r.data_type_given) {
    out += ",\"data_type\":\"";
    out += to_string(r.type);
    out += '"';
  }
  append_pipeline_fields(r, out);
}

void append_indicator_fields(std::string_view raw, const Indicators& indicators, std::string& out) {
  out += open_object(raw);
  append_indicators(indicators, out);
  out += '}';
}

void append_signal_fields(std::string_view raw, const SignalResult& signal, std::string& out) {
  out += open_object(raw);
  append_signal(signal, out);
  out += '}';
}

}  // namespace tickflow
