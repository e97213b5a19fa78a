// The record parser's internals, shared by its files and by no other code:
// record_parser.cpp (the API and the general walk over any record), record_tick_path.cpp
// (ticks in the layout of the last valid one, read in one pass) and record_rules.cpp (the
// rules per data_type, and filling the Record). The field table, what one parse learnt
// about the fields, and RecordParser::Impl.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <new>
#include <span>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/core/flat_json.hpp"
#include "src/core/json_writer.hpp"
#include "src/core/record_parser.hpp"
#include "src/core/symbol_rules.hpp"
#include "src/core/symbol_scan.hpp"

namespace tickflow {

namespace od = simdjson::ondemand;

namespace record_parsing {

// Every member name the schema gives a meaning to, for any data_type.
enum class FieldId : std::uint8_t {
  stock_symbol, data_type, timestamp,
  opening_price, closing_price, high, low, volume,
  order_type, price, quantity,
  sentiment_score, sentiment_magnitude, headline, news_type,
  market_cap, pe_ratio,
  indicator_name, value,
  // assigned by tickflow's stages
  seq, ingest_ts, ma, ema, rsi, signal, signal_reason, signal_strength,
  count,
  extra = count,
};
inline constexpr std::size_t field_count = static_cast<std::size_t>(FieldId::count);

inline constexpr std::array<std::string_view, field_count> field_names = {
    "stock_symbol", "data_type", "timestamp",
    "opening_price", "closing_price", "high", "low", "volume",
    "order_type", "price", "quantity",
    "sentiment_score", "sentiment_magnitude", "headline", "news_type",
    "market_cap", "pe_ratio",
    "indicator_name", "value",
    "seq", "ingest_ts", "ma", "ema", "rsi", "signal", "signal_reason", "signal_strength",
};

inline constexpr std::size_t index(FieldId id) { return static_cast<std::size_t>(id); }
inline constexpr std::string_view name(FieldId id) { return field_names[index(id)]; }

// The names made ready for the flat reader's one-compare check (flat_json.hpp).
inline const std::array<FlatName, field_count> flat_names = [] {
  std::array<FlatName, field_count> names;
  for (std::size_t i = 0; i < field_count; ++i) names[i] = FlatName::of(field_names[i]);
  return names;
}();

// Field ids grouped by name length, so a lookup compares at most four names.
inline constexpr std::size_t longest_field_name = 19;
inline constexpr auto fields_by_length = [] {
  std::array<std::array<std::uint8_t, 4>, longest_field_name + 1> table{};
  std::array<std::size_t, longest_field_name + 1> used{};
  for (auto& row : table) row.fill(static_cast<std::uint8_t>(FieldId::extra));
  for (std::size_t i = 0; i < field_count; ++i) {
    std::size_t n = field_names[i].size();
    table[n][used[n]++] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

inline FieldId lookup_field(std::string_view key) {
  if (key.empty() || key.size() > longest_field_name) return FieldId::extra;
  for (std::uint8_t i : fields_by_length[key.size()]) {
    if (i == static_cast<std::uint8_t>(FieldId::extra)) break;
    // Same length. No two names of one length share both first and last letter, so the
    // whole compare runs only for the likely match.
    std::string_view candidate = field_names[i];
    if (candidate.front() == key.front() && candidate.back() == key.back() && candidate == key) {
      return static_cast<FieldId>(i);
    }
  }
  return FieldId::extra;
}

inline bool is_pipeline_field(FieldId id) { return id >= FieldId::seq && id < FieldId::count; }

// Whether a schema field is part of records of type `t` (otherwise it passes through
// as an extra member, the way unknown fields do).
inline bool belongs_to(FieldId id, DataType t) {
  switch (id) {
    case FieldId::data_type:
    case FieldId::timestamp: return true;
    case FieldId::stock_symbol: return t != DataType::economic_indicator;
    case FieldId::opening_price:
    case FieldId::closing_price:
    case FieldId::high:
    case FieldId::low:
    case FieldId::volume:
    case FieldId::ma:
    case FieldId::ema:
    case FieldId::rsi: return t == DataType::stock;
    case FieldId::order_type:
    case FieldId::price:
    case FieldId::quantity: return t == DataType::order_book;
    case FieldId::sentiment_score:
    case FieldId::sentiment_magnitude:
    case FieldId::headline:
    case FieldId::news_type: return t == DataType::news_sentiment;
    case FieldId::market_cap:
    case FieldId::pe_ratio: return t == DataType::market_data;
    case FieldId::indicator_name:
    case FieldId::value: return t == DataType::economic_indicator;
    case FieldId::seq:
    case FieldId::ingest_ts:
    case FieldId::signal:
    case FieldId::signal_reason:
    case FieldId::signal_strength: return true;
    default: return false;
  }
}

inline std::string_view kind_name(DataType t) {
  switch (t) {
    case DataType::stock: return "stock tick";
    case DataType::order_book: return "order_book record";
    case DataType::news_sentiment: return "news_sentiment record";
    case DataType::market_data: return "market_data record";
    case DataType::economic_indicator: return "economic_indicator record";
  }
  return "record";
}

inline std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The double a number value holds (`token`: its text), read by simdjson and, where
// simdjson 3.0 refuses it or gets it wrong, by from_chars as the flat path reads it.
// SUCCESS with a finite value; NUMBER_ERROR for a number no double holds; any other
// error means the JSON is broken.
inline simdjson::error_code read_number(od::value& v, std::string_view token, double& value) {
  auto e = v.get_double().get(value);
  // Refused though JSON allows it and a double holds it, such as a zero with an exponent
  // past int range (0e3333...: fuzzing found the flat path taking it as 0 where this path
  // said "not a finite number").
  if (e == simdjson::NUMBER_ERROR && is_json_number(token) && nearest_double(token, value)) return simdjson::SUCCESS;
  if (e) return e;
  if (!std::isfinite(value)) return simdjson::NUMBER_ERROR;
  // simdjson 3.0's On Demand get_double overflows on more than 19 digits after "0."
  // (0.95000000000000000000 read as 0.0277: simdjson/simdjson#2093, fixed in 3.6.3;
  // Debian 12 ships 3.0.1). Long numbers are read again, correctly rounded.
  auto is_digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  if (double exact = 0; token.size() > 20 && std::count_if(token.begin(), token.end(), is_digit) > 19 &&
                        nearest_double(token, exact)) {
    value = exact;
  }
  return simdjson::SUCCESS;
}

inline std::string quoted(std::string_view s) {
  std::string out;
  json::append_string_lossy(out, s, 64);
  return out;
}

inline std::string num(double v) { return json::format_number(v); }

inline constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

// How a member's value looked in the JSON, captured before data_type is known.
enum class Kind : std::uint8_t { number, bad_number, string, boolean, null, object, array };

inline std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::number:
    case Kind::bad_number: return "a number";
    case Kind::string: return "a string";
    case Kind::boolean: return "true/false";
    case Kind::null: return "null";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
  }
  return "something else";
}

struct Captured {
  Kind kind = Kind::null;
  double number = 0;
  std::string_view text;       // string: unescaped; number/boolean/null: the JSON token
  std::size_t composite_begin = 0;  // object/array: compact JSON in the scratch buffer
  std::size_t composite_end = 0;
};

// What one parse learnt about the schema's fields. Reused across parses; reset() clears
// only the flags, the values are written before they are read.
struct FieldValues {
  std::array<bool, field_count> seen{};     // present (even if its value was unusable)
  std::array<Captured, field_count> raw{};
  std::array<bool, field_count> usable{};   // present with the JSON type its field needs
  std::array<bool, field_count> is_null{};
  std::array<double, field_count> number{};
  std::array<std::string_view, field_count> text{};

  std::array<FieldId, field_count> present{};  // the seen ids, in input order
  std::size_t present_count = 0;

  void reset() {
    seen.fill(false);
    usable.fill(false);
    is_null.fill(false);
    present_count = 0;
  }
  void mark_seen(FieldId id) {
    seen[index(id)] = true;
    present[present_count++] = id;
  }
  bool ok(FieldId id) const { return usable[index(id)]; }
  double n(FieldId id) const { return number[index(id)]; }
  std::string_view s(FieldId id) const { return text[index(id)]; }
};

// A member name as it stands in the input when it has no escapes (every name the schema
// uses): no copy and no call into simdjson's unescaper, which was the largest cost of
// parsing a tick. An empty view with a null data() when the name has a backslash.
inline std::string_view plain_key(const od::field& field) {
  const char* begin = field.key().raw();  // just after the opening quote
  const char* p = begin;
  // The name's closing quote exists: simdjson has already indexed the whole document.
  while (*p != '"') {
    if (*p == '\\') return {};
    ++p;
  }
  return {begin, static_cast<std::size_t>(p - begin)};
}

inline bool wants_text(FieldId id) {
  return id == FieldId::stock_symbol || id == FieldId::data_type || id == FieldId::order_type ||
         id == FieldId::headline || id == FieldId::news_type || id == FieldId::indicator_name ||
         id == FieldId::signal || id == FieldId::signal_reason;
}

inline bool nullable(FieldId id) {
  return id == FieldId::ma || id == FieldId::ema || id == FieldId::rsi || id == FieldId::headline ||
         id == FieldId::news_type;
}

// The members a tick's layout may have for the tick path: a stock tick's own, and those
// the stages before process and signal add (never from outside: there they are refused).
inline bool tick_path_member(FieldId id, RecordSource source) {
  switch (id) {
    case FieldId::data_type:
    case FieldId::stock_symbol:
    case FieldId::timestamp:
    case FieldId::opening_price:
    case FieldId::closing_price:
    case FieldId::high:
    case FieldId::low:
    case FieldId::volume: return true;
    case FieldId::seq:
    case FieldId::ingest_ts:
    case FieldId::ma:
    case FieldId::ema:
    case FieldId::rsi: return source == RecordSource::pipeline;
    default: return false;
  }
}

}  // namespace record_parsing

using namespace record_parsing;

struct RecordParser::Impl {
  ValidationLimits limits;
  od::parser parser;
  std::vector<char> padded;  // input copied here when the caller's buffer lacks padding
  std::vector<std::string_view> extra_names;
  std::string scratch;       // compact JSON of object/array values of schema fields
  FieldValues f;
  bool flat_path = true;     // read flat records without simdjson (off: differential tests)
  std::array<const FlatName*, field_count> hint_names{};  // the last flat record's members (into flat_names)
  std::size_t hint_count = 0;
  // The members of the last valid stock tick from each source, in order, when the tick
  // path can read that layout (learn_tick_layout); none yet: count 0. Each member's
  // prefix is the text from the end of the value before it (or the opening brace) to its
  // own value, `,"high":` — whitespace, name, colon, as that tick had them.
  struct TickLayout {
    std::array<FieldId, field_count> ids{};
    std::array<FixedText, field_count> prefixes{};
    std::size_t count = 0;
    bool has_data_type = false;
    bool has_seq = false, has_ingest_ts = false, has_ma = false, has_ema = false, has_rsi = false;
  };
  std::array<TickLayout, 2> tick_layouts;  // by RecordSource
  std::uint64_t tick_path_reads = 0;

  explicit Impl(ValidationLimits l)
      : limits(l), parser(l.max_record_bytes + 64), padded(l.max_record_bytes + simdjson::SIMDJSON_PADDING) {
    // Nesting bombs fail inside simdjson, before any recursion of ours.
    if (parser.allocate(l.max_record_bytes + 64, l.max_depth + 1) != simdjson::SUCCESS) {
      throw std::bad_alloc();
    }
  }

  bool parse(std::string_view json, std::size_t capacity, double now, RecordSource source, Record& out,
             ValidationErrors& errors);

 private:
  ValidationErrors* errors_ = nullptr;
  od::document* doc_ = nullptr;  // the document being parsed, for error positions
  const char* start_ = nullptr;

  void fail(std::string_view field, std::string reason) {
    errors_->push_back({std::string(field), std::move(reason)});
  }
  void fail_json(simdjson::error_code e, std::string_view where) {
    if (e == simdjson::DEPTH_ERROR) {
      fail(whole_record, fmt::format("JSON nested deeper than {} levels", limits.max_depth));
    } else if (e == simdjson::UTF8_ERROR) {
      fail(whole_record, "not valid UTF-8");
    } else if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
      fail(whole_record, "not valid JSON: an object or array is not closed, or text follows the object");
    } else {
      std::string at;
      if (doc_ != nullptr) {
        const char* loc = nullptr;
        if (doc_->current_location().get(loc) == simdjson::SUCCESS && loc >= start_) {
          at = fmt::format(" at byte {}", loc - start_);
        }
      }
      fail(whole_record, fmt::format("not valid JSON{}{}: {}", where, at, simdjson::error_message(e)));
    }
  }

  bool starts_object(std::string_view json);
  bool read_tick(std::string_view json, double now, RecordSource source, Record& out);
  void learn_tick_layout(RecordSource source, const Record& out, std::string_view json);
  bool walk_members(std::string_view json, std::size_t capacity, Record& out);
  bool walk_flat(std::string_view json);
  bool finish(double now, RecordSource source, Record& out);
  bool capture(FieldId id, od::value& v);
  void accept(FieldId id);
  bool add_extra(std::string_view key, Record& out);
  void append_captured(FieldId id, std::string& out) const;
  bool copy_value(od::value& v, std::string& out, std::size_t depth);
  void check_rules(DataType type, double now, RecordSource source);
  void fill(DataType type, Record& out);
};

}  // namespace tickflow
