#include "src/core/record_parser.hpp"

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
#include "src/core/symbol_rules.hpp"
#include "src/core/symbol_scan.hpp"

namespace tickflow {

namespace od = simdjson::ondemand;
static_assert(record_padding >= simdjson::SIMDJSON_PADDING);

namespace {

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
constexpr std::size_t field_count = static_cast<std::size_t>(FieldId::count);

constexpr std::array<std::string_view, field_count> field_names = {
    "stock_symbol", "data_type", "timestamp",
    "opening_price", "closing_price", "high", "low", "volume",
    "order_type", "price", "quantity",
    "sentiment_score", "sentiment_magnitude", "headline", "news_type",
    "market_cap", "pe_ratio",
    "indicator_name", "value",
    "seq", "ingest_ts", "ma", "ema", "rsi", "signal", "signal_reason", "signal_strength",
};

constexpr std::size_t index(FieldId id) { return static_cast<std::size_t>(id); }
constexpr std::string_view name(FieldId id) { return field_names[index(id)]; }

// The names made ready for the flat reader's one-compare check (flat_json.hpp).
const std::array<FlatName, field_count> flat_names = [] {
  std::array<FlatName, field_count> names;
  for (std::size_t i = 0; i < field_count; ++i) names[i] = FlatName::of(field_names[i]);
  return names;
}();

// Field ids grouped by name length, so a lookup compares at most four names.
constexpr std::size_t longest_field_name = 19;
constexpr auto fields_by_length = [] {
  std::array<std::array<std::uint8_t, 4>, longest_field_name + 1> table{};
  std::array<std::size_t, longest_field_name + 1> used{};
  for (auto& row : table) row.fill(static_cast<std::uint8_t>(FieldId::extra));
  for (std::size_t i = 0; i < field_count; ++i) {
    std::size_t n = field_names[i].size();
    table[n][used[n]++] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

FieldId lookup_field(std::string_view key) {
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

bool is_pipeline_field(FieldId id) { return id >= FieldId::seq && id < FieldId::count; }

// Whether a schema field is part of records of type `t` (otherwise it passes through
// as an extra member, the way unknown fields do).
bool belongs_to(FieldId id, DataType t) {
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

std::string_view kind_name(DataType t) {
  switch (t) {
    case DataType::stock: return "stock tick";
    case DataType::order_book: return "order_book record";
    case DataType::news_sentiment: return "news_sentiment record";
    case DataType::market_data: return "market_data record";
    case DataType::economic_indicator: return "economic_indicator record";
  }
  return "record";
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The double a number value holds (`token`: its text), read by simdjson and, where
// simdjson 3.0 refuses it or gets it wrong, by from_chars as the flat path reads it.
// SUCCESS with a finite value; NUMBER_ERROR for a number no double holds; any other
// error means the JSON is broken.
simdjson::error_code read_number(od::value& v, std::string_view token, double& value) {
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

std::string quoted(std::string_view s) {
  std::string out;
  json::append_string_lossy(out, s, 64);
  return out;
}

std::string num(double v) { return json::format_number(v); }

constexpr double max_exact_integer = 9007199254740992.0;  // 2^53

// How a member's value looked in the JSON, captured before data_type is known.
enum class Kind : std::uint8_t { number, bad_number, string, boolean, null, object, array };

std::string_view kind_name(Kind k) {
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
std::string_view plain_key(const od::field& field) {
  const char* begin = field.key().raw();  // just after the opening quote
  const char* p = begin;
  // The name's closing quote exists: simdjson has already indexed the whole document.
  while (*p != '"') {
    if (*p == '\\') return {};
    ++p;
  }
  return {begin, static_cast<std::size_t>(p - begin)};
}

bool wants_text(FieldId id) {
  return id == FieldId::stock_symbol || id == FieldId::data_type || id == FieldId::order_type ||
         id == FieldId::headline || id == FieldId::news_type || id == FieldId::indicator_name ||
         id == FieldId::signal || id == FieldId::signal_reason;
}

bool nullable(FieldId id) {
  return id == FieldId::ma || id == FieldId::ema || id == FieldId::rsi || id == FieldId::headline ||
         id == FieldId::news_type;
}

// The members a tick's layout may have for the tick path: a stock tick's own, and those
// the stages before process and signal add (never from outside: there they are refused).
bool tick_path_member(FieldId id, RecordSource source) {
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

}  // namespace

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

RecordParser::RecordParser(ValidationLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
RecordParser::~RecordParser() = default;
RecordParser::RecordParser(RecordParser&&) noexcept = default;
RecordParser& RecordParser::operator=(RecordParser&&) noexcept = default;

const ValidationLimits& RecordParser::limits() const noexcept { return impl_->limits; }

void RecordParser::set_flat_path(bool on) noexcept { impl_->flat_path = on; }

std::uint64_t RecordParser::tick_path_reads() const noexcept { return impl_->tick_path_reads; }

bool RecordParser::parse(std::string_view json, double now, RecordSource source, Record& out,
                         ValidationErrors& errors) {
  return impl_->parse(json, 0, now, source, out, errors);
}

bool RecordParser::parse_in_place(std::string_view json, std::size_t capacity, double now, RecordSource source,
                                  Record& out, ValidationErrors& errors) {
  return impl_->parse(json, capacity, now, source, out, errors);
}

bool RecordParser::Impl::parse(std::string_view json, std::size_t capacity, double now, RecordSource source,
                               Record& out, ValidationErrors& errors) {
  errors.clear();
  errors_ = &errors;
  doc_ = nullptr;
  if (json.size() > limits.max_record_bytes) {
    fail(whole_record, fmt::format("record is {} bytes; the limit is {} bytes", json.size(),
                                   limits.max_record_bytes));
    return false;
  }
  // A valid tick in the layout of the last one is read and checked in one pass; anything
  // else (or anything wrong) goes on below, which finds and names every problem.
  if (flat_path && read_tick(json, now, source, out)) return true;
  if (!starts_object(json)) return false;
  f.reset();
  out.extras.clear();
  extra_names.clear();
  scratch.clear();
  // The common shape is read straight from the bytes; anything else (or anything wrong)
  // goes the general way, which reads every shape and says what is wrong.
  if (!flat_path || !walk_flat(json)) {
    f.reset();
    if (!walk_members(json, capacity, out)) return false;
  }
  if (!finish(now, source, out)) return false;
  if (flat_path) learn_tick_layout(source, out, json);
  return true;
}

namespace {

// The prefix of each member of `json`, a valid record whose members are `ids` in order,
// as the tick path compares them (TickLayout). False when a member's name is not written
// plainly (escapes: the tick path would not read it) or a prefix is longer than FixedText's.
bool find_member_prefixes(std::string_view json, std::span<const FieldId> ids, std::span<FixedText> prefixes) {
  using namespace flat_json_detail;
  const char* p;
  const char* end;
  if (!object_bounds(json, p, end)) return false;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const char* const from = p;
    skip_space(p);
    if (i > 0) {
      if (*p != ',') return false;
      ++p;
      skip_space(p);
    }
    if (*p != '"') return false;
    ++p;
    const FlatName& name = flat_names[index(ids[i])];
    if (!name.starts(p, end)) return false;
    p += name.name.size() + 1;
    skip_space(p);
    if (*p != ':') return false;
    ++p;
    skip_space(p);
    if (p - from > static_cast<std::ptrdiff_t>(FixedText::max_size)) return false;
    prefixes[i] = FixedText::of({from, static_cast<std::size_t>(p - from)});
    // Past the value: a plain string, null or a number (a valid tick has no other).
    std::string_view text;
    double number;
    if (*p == '"') {
      ++p;
      if (!read_plain_string(p, end, text)) return false;
    } else if (end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
      p += 4;
    } else if (!read_plain_number(p, number)) {
      return false;
    }
  }
  return true;
}

}  // namespace

// After a valid record: a stock tick of tick-path members only (no extras), written
// plainly, gives the layout the next records are first tried in.
void RecordParser::Impl::learn_tick_layout(RecordSource source, const Record& out, std::string_view json) {
  if (out.type != DataType::stock || !out.extras.empty()) return;
  for (std::size_t k = 0; k < f.present_count; ++k) {
    if (!tick_path_member(f.present[k], source)) return;
  }
  TickLayout& layout = tick_layouts[static_cast<std::size_t>(source)];
  std::copy_n(f.present.begin(), f.present_count, layout.ids.begin());
  layout.count = 0;  // (until the prefixes are known)
  if (!find_member_prefixes(json, {f.present.data(), f.present_count}, layout.prefixes)) return;
  layout.count = f.present_count;
  layout.has_data_type = f.seen[index(FieldId::data_type)];
  layout.has_seq = f.seen[index(FieldId::seq)];
  layout.has_ingest_ts = f.seen[index(FieldId::ingest_ts)];
  layout.has_ma = f.seen[index(FieldId::ma)];
  layout.has_ema = f.seen[index(FieldId::ema)];
  layout.has_rsi = f.seen[index(FieldId::rsi)];
}

// Reads `json` as a stock tick with exactly the members of the source's layout, in its order, in
// one pass, and checks it against every rule the general path applies to such a tick.
// True (and `out` filled) only when it is such a tick and valid; false, with nothing
// reported, otherwise: the caller then parses it the general way, which gives the same
// verdict and names the problems (tests and the fuzz target compare the two on damaged
// records of every kind).
bool RecordParser::Impl::read_tick(std::string_view json, double now, RecordSource source, Record& out) {
  using namespace flat_json_detail;
  const TickLayout& tick_layout = tick_layouts[static_cast<std::size_t>(source)];
  if (tick_layout.count == 0) return false;  // (parse() has checked the record's size)
  const char* p;
  const char* end;
  if (!object_bounds(json, p, end)) return false;
  std::array<double, field_count> number;
  std::array<bool, field_count> is_null{};
  ScannedSymbol symbol;
  bool has_symbol = false;
  for (std::size_t i = 0; i < tick_layout.count; ++i) {
    // Separator, name and colon as the layout's tick had them, in one compare.
    const FixedText& prefix = tick_layout.prefixes[i];
    if (!prefix.starts(p, end)) return false;
    p += prefix.size;
    const FieldId id = tick_layout.ids[i];
    if (id == FieldId::stock_symbol) {
      if (*p != '"') return false;
      ++p;
      if (!scan_quoted_symbol(p, end, symbol)) return false;  // (checks every character too)
      has_symbol = true;
    } else if (id == FieldId::data_type) {
      // Only "stock" is a tick (a fixed-size compare, where string_view's == calls memcmp).
      if (end - p < 7 || std::memcmp(p, "\"stock\"", 7) != 0) return false;
      p += 7;
    } else if (*p == '-' || digit(*p) < 10) {
      if (!read_plain_number(p, number[index(id)])) return false;
    } else if (nullable(id) && end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
      p += 4;
      is_null[index(id)] = true;
    } else {
      return false;
    }
  }
  skip_space(p);
  if (*p != '}' || p + 1 != end) return false;

  // The rules check_rules applies to a stock tick, every one of them holding (the symbol's
  // characters and data_type's value were checked as they were read).
  if (!has_symbol || symbol.size > limits.max_string_bytes ||
      (tick_layout.has_data_type && limits.max_string_bytes < 5)) {
    return false;
  }
  auto n = [&](FieldId id) { return number[index(id)]; };
  const double ts = n(FieldId::timestamp), open = n(FieldId::opening_price), close = n(FieldId::closing_price),
               high = n(FieldId::high), low = n(FieldId::low), volume = n(FieldId::volume);
  if (!(ts >= limits.min_timestamp && ts <= now + limits.max_future_seconds)) return false;
  if (!(open > 0 && close > 0 && high > 0 && low > 0)) return false;
  if (!(high <= limits.max_price)) return false;  // bounds the others too, once low <= open, close <= high hold
  if (!(volume >= 0 && volume == std::floor(volume) && volume <= max_exact_integer)) return false;
  if (!(low <= high && high >= open && high >= close && low <= open && low <= close)) return false;
  if (tick_layout.has_seq) {
    const double seq = n(FieldId::seq);
    if (!(seq >= 1 && seq == std::floor(seq) && seq <= max_exact_integer)) return false;
  }

  // As fill() fills a stock tick, each field set in place (a whole optional or symbol made
  // aside and copied in was read back over bytes just stored, which stalls).
  ++tick_path_reads;
  out.type = DataType::stock;
  out.data_type_given = tick_layout.has_data_type;
  out.symbol.assign_upper(symbol.upper, symbol.size);
  out.raw_reusable = !symbol.lower_case;  // the symbol as written is the symbol
  out.timestamp = ts;
  if (auto* body = std::get_if<StockTick>(&out.body)) {
    *body = StockTick{open, close, high, low, static_cast<std::int64_t>(volume)};
  } else {
    out.body = StockTick{open, close, high, low, static_cast<std::int64_t>(volume)};
  }
  out.extras.clear();
  if (tick_layout.has_seq) {
    out.seq = static_cast<std::uint64_t>(n(FieldId::seq));
  } else {
    out.seq.reset();
  }
  if (tick_layout.has_ingest_ts) {
    out.ingest_ts = n(FieldId::ingest_ts);
  } else {
    out.ingest_ts.reset();
  }
  out.signal.reset();
  if (tick_layout.has_ma || tick_layout.has_ema || tick_layout.has_rsi) {
    Indicators& ind = out.indicators.emplace();
    auto indicator = [&](bool has, FieldId id) -> std::optional<double> {
      if (has && !is_null[index(id)]) return n(id);
      return std::nullopt;
    };
    ind.ma = indicator(tick_layout.has_ma, FieldId::ma);
    ind.ema = indicator(tick_layout.has_ema, FieldId::ema);
    ind.rsi = indicator(tick_layout.has_rsi, FieldId::rsi);
  } else {
    out.indicators.reset();
  }
  return true;
}

// Reads the members with simdjson On Demand into `f` (schema fields) and out.extras (the
// rest). Returns false when the JSON itself is broken: parsing cannot go on.
bool RecordParser::Impl::walk_members(std::string_view json, std::size_t capacity, Record& out) {
  const char* buf = json.data();
  if (capacity < json.size() + record_padding) {
    std::memcpy(padded.data(), json.data(), json.size());
    std::memset(padded.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    buf = padded.data();
    capacity = padded.size();
  }
  start_ = buf;

  od::document doc;
  if (auto e = parser.iterate(buf, json.size(), capacity).get(doc)) {
    fail_json(e, "");
    return false;
  }
  doc_ = &doc;
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    fail_json(e, "");
    return false;
  }

  // One walk over the members. data_type decides which fields belong to the record and
  // may come last, so values are captured first and classified after.
  for (auto member : obj) {
    if (auto e = member.error()) {
      fail_json(e, "");
      return false;
    }
    // Used in place: copying simdjson's field and value objects (as get() and a value
    // variable do) stalled on store forwarding and cost more than reading the member.
    od::field& field = member.value_unsafe();
    std::string_view key = plain_key(field);
    if (key.data() == nullptr) {  // has escapes: let simdjson decode them
      if (auto e = field.unescaped_key().get(key)) {
        fail_json(e, " in a member name");
        return false;
      }
    }
    if (key.size() > 128) {
      fail(std::string(key.substr(0, 32)) + "...",
           fmt::format("member name is {} bytes; at most 128 are allowed", key.size()));
      return false;
    }
    od::value& v = field.value();
    FieldId id = lookup_field(key);
    if (id == FieldId::extra) {
      if (!add_extra(key, out)) return false;
      if (!copy_value(v, out.extras, 1)) return false;
      if (out.extras.size() > limits.max_extra_bytes) {
        fail(key, fmt::format("members the schema does not define take more than {} bytes", limits.max_extra_bytes));
        return false;
      }
      continue;
    }
    if (f.seen[index(id)]) {
      fail(key, "appears more than once in the record");
      continue;
    }
    f.mark_seen(id);
    if (!capture(id, v)) return false;
  }
  // On Demand stops after the object; anything still ahead is text after it.
  if (auto loc = doc.current_location(); loc.error() != simdjson::OUT_OF_BOUNDS) {
    const char* at = nullptr;
    std::size_t offset = std::move(loc).get(at) == simdjson::SUCCESS ? static_cast<std::size_t>(at - start_) : json.size();
    fail(whole_record, fmt::format("unexpected text after the JSON object at byte {}", offset));
    return false;
  }
  doc_ = nullptr;  // goes with this frame
  return true;
}

// Reads a flat record of plain members (src/core/flat_json.hpp) into `f`. Returns false,
// with nothing reported, for any other shape or member: unknown or repeated names, which
// the general walk handles and reports.
bool RecordParser::Impl::walk_flat(std::string_view json) {
  const bool read = read_flat_object(json, {hint_names.data(), hint_count}, [this](const FlatMember& m) {
    FieldId id = m.hint >= 0 ? static_cast<FieldId>(hint_names[static_cast<std::size_t>(m.hint)] - flat_names.data())
                             : lookup_field(m.key);
    if (id == FieldId::extra || f.seen[index(id)]) return false;
    f.mark_seen(id);
    Captured& c = f.raw[index(id)];
    switch (m.kind) {
      case FlatMember::Kind::number:
        c.kind = Kind::number;
        c.number = m.number;
        c.text = {};
        break;
      case FlatMember::Kind::string:
        c.kind = Kind::string;
        c.text = m.text;
        break;
      case FlatMember::Kind::null:
        c.kind = Kind::null;
        c.text = "null";
        break;
    }
    return true;
  });
  if (read) {  // the next record likely has this one's layout
    hint_count = f.present_count;
    for (std::size_t k = 0; k < hint_count; ++k) hint_names[k] = &flat_names[index(f.present[k])];
  }
  return read;
}

// Classifies what the walk captured against data_type, checks the schema's rules and
// fills `out`.
bool RecordParser::Impl::finish(double now, RecordSource source, Record& out) {
  DataType type = DataType::stock;
  if (f.seen[index(FieldId::data_type)]) {
    const Captured& dt = f.raw[index(FieldId::data_type)];
    if (dt.kind != Kind::string) {
      fail("data_type", fmt::format("must be a JSON string, got {}", kind_name(dt.kind)));
      return false;
    }
    auto parsed = parse_data_type(dt.text);
    if (!parsed) {
      fail("data_type", fmt::format("unknown data_type {}; expected one of {}", quoted(dt.text), data_type_names));
      return false;
    }
    type = *parsed;
    f.usable[index(FieldId::data_type)] = true;
  }
  for (std::size_t k = 0; k < f.present_count; ++k) {
    FieldId id = f.present[k];
    if (id == FieldId::data_type) continue;
    if (!belongs_to(id, type)) {
      // A schema field of another data_type: passes through like an unknown member.
      if (!add_extra(name(id), out)) return false;
      append_captured(id, out.extras);
      continue;
    }
    if (is_pipeline_field(id) && source == RecordSource::external) {
      fail(name(id), fmt::format("{} is assigned by tickflow and must not be sent in the input", name(id)));
      continue;
    }
    accept(id);
  }
  if (out.extras.size() > limits.max_extra_bytes) {
    fail(whole_record, fmt::format("members the schema does not define take more than {} bytes", limits.max_extra_bytes));
    return false;
  }
  // Wrong types found above do not stop the rule checks: the user sees every problem.
  check_rules(type, now, source);
  if (!errors_->empty()) return false;
  fill(type, out);
  return true;
}

// Checks an extra member's name (duplicates, count) and writes `"key":` to the extras.
bool RecordParser::Impl::add_extra(std::string_view key, Record& out) {
  for (auto seen_name : extra_names) {
    if (seen_name == key) {
      fail(key, "appears more than once in the record");
      return false;
    }
  }
  if (extra_names.size() >= limits.max_extra_fields) {
    fail(key, fmt::format("more than {} members that the schema does not define", limits.max_extra_fields));
    return false;
  }
  extra_names.push_back(key);
  if (!out.extras.empty()) out.extras += ',';
  json::append_string(out.extras, key);
  out.extras += ':';
  return true;
}

void RecordParser::Impl::append_captured(FieldId id, std::string& out) const {
  const Captured& c = f.raw[index(id)];
  switch (c.kind) {
    case Kind::string: json::append_string(out, c.text); break;
    case Kind::number: json::append_number(out, c.number); break;  // same value, shortest spelling
    case Kind::object:
    case Kind::array: out.append(scratch, c.composite_begin, c.composite_end - c.composite_begin); break;
    default: out += c.text;
  }
}

// Records a schema field's value as it is. Returns false only when the JSON itself is
// broken (parsing cannot go on); values the field cannot use are judged in accept().
bool RecordParser::Impl::capture(FieldId id, od::value& v) {
  Captured& c = f.raw[index(id)];
  od::json_type t;
  if (auto e = v.type().get(t)) {
    fail_json(e, fmt::format(" in {}", name(id)));
    return false;
  }
  switch (t) {
    case od::json_type::number: {
      // The token's text is needed only for a message or when the field passes through
      // as an extra (append_captured); the common path never asks for it.
      c.text = {};
      const std::string_view token = trim_right(v.raw_json_token());
      auto e = read_number(v, token, c.number);
      if (e == simdjson::NUMBER_ERROR) {
        c.kind = Kind::bad_number;
        c.text = token;
        fail(name(id), fmt::format("{} is not a finite number in double range", c.text.substr(0, 40)));
        return true;
      }
      if (e) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::number;
      return true;
    }
    case od::json_type::string:
      c.kind = Kind::string;
      if (auto e = v.get_string().get(c.text)) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      return true;
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::boolean;
      c.text = b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null); e || !is_null) {
        fail_json(e ? e : simdjson::N_ATOM_ERROR, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::null;
      c.text = "null";
      return true;
    }
    case od::json_type::object:
    case od::json_type::array:
      c.kind = t == od::json_type::object ? Kind::object : Kind::array;
      c.composite_begin = scratch.size();
      if (!copy_value(v, scratch, 1)) return false;
      c.composite_end = scratch.size();
      return true;
  }
  return false;
}

// Judges a captured value against what its field needs (type, length).
void RecordParser::Impl::accept(FieldId id) {
  auto i = index(id);
  const Captured& c = f.raw[i];
  if (c.kind == Kind::bad_number) return;  // already reported
  if (c.kind == Kind::null && nullable(id)) {
    f.is_null[i] = true;
    f.usable[i] = true;
    return;
  }
  if (wants_text(id)) {
    if (c.kind != Kind::string) {
      fail(name(id), fmt::format("must be a JSON string, got {}", kind_name(c.kind)));
    } else if (c.text.size() > limits.max_string_bytes) {
      fail(name(id), fmt::format("is {} bytes long; at most {} are allowed", c.text.size(), limits.max_string_bytes));
    } else {
      f.text[i] = c.text;
      f.usable[i] = true;
    }
    return;
  }
  if (c.kind == Kind::string) {
    fail(name(id), fmt::format("must be a JSON number, got the string {}; send the number without quotes", quoted(c.text)));
  } else if (c.kind != Kind::number) {
    fail(name(id), fmt::format("must be a JSON number, got {}", kind_name(c.kind)));
  } else {
    f.number[i] = c.number;
    f.usable[i] = true;
  }
}

// A record must be an object. Says what the input is instead when it is not, before
// simdjson (which would read "not json" as a broken `null`) gives a less helpful answer.
bool RecordParser::Impl::starts_object(std::string_view json) {
  std::size_t i = json.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) {
    fail(whole_record, "not valid JSON: the record is empty");
    return false;
  }
  char c = json[i];
  if (c == '{') return true;
  std::string_view rest = trim_right(json.substr(i));
  std::string_view kind;
  if (c == '[') kind = "an array";
  else if (c == '"') kind = "a string";
  else if (c == '-' || (c >= '0' && c <= '9')) kind = "a number";
  else if (rest == "true" || rest == "false") kind = "true/false";
  else if (rest == "null") kind = "null";
  if (kind.empty()) {
    fail(whole_record, fmt::format("not valid JSON at byte {}: a record must be a JSON object starting with '{{'", i));
  } else {
    fail(whole_record, fmt::format("expected a JSON object, got {}", kind));
  }
  return false;
}

// Copies any JSON value to `out` in compact form, checking it fully (On Demand checks only
// what is read, and pass-through values must be valid JSON when written again).
bool RecordParser::Impl::copy_value(od::value& v, std::string& out, std::size_t depth) {
  if (depth > limits.max_depth) {
    fail(whole_record, fmt::format("JSON nested deeper than {} levels", limits.max_depth));
    return false;
  }
  od::json_type t;
  if (auto e = v.type().get(t)) {
    fail_json(e, "");
    return false;
  }
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return fail_json(e, ""), false;
      out += '{';
      bool first = true;
      for (auto member : o) {
        od::field field;
        std::string_view key;
        if (auto e = std::move(member).get(field)) return fail_json(e, ""), false;
        if (auto e = field.unescaped_key().get(key)) return fail_json(e, ""), false;
        if (!first) out += ',';
        first = false;
        json::append_string(out, key);
        out += ':';
        od::value inner = field.value();
        if (!copy_value(inner, out, depth + 1)) return false;
      }
      out += '}';
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return fail_json(e, ""), false;
      out += '[';
      bool first = true;
      for (auto element : a) {
        od::value inner;
        if (auto e = std::move(element).get(inner)) return fail_json(e, ""), false;
        if (!first) out += ',';
        first = false;
        if (!copy_value(inner, out, depth + 1)) return false;
      }
      out += ']';
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail_json(e, ""), false;
      json::append_string(out, s);
      return true;
    }
    case od::json_type::number: {
      std::string_view token = trim_right(v.raw_json_token());
      double d;
      if (read_number(v, token, d) != simdjson::SUCCESS) {
        fail(whole_record, fmt::format("{} is not a finite number in double range", token.substr(0, 40)));
        return false;
      }
      out += token;
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return fail_json(e, ""), false;
      out += b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null); e || !is_null) {
        fail_json(e ? e : simdjson::N_ATOM_ERROR, "");
        return false;
      }
      out += "null";
      return true;
    }
  }
  return false;
}

void RecordParser::Impl::check_rules(DataType type, double now, RecordSource source) {
  auto require = [&](FieldId id) {
    if (!f.seen[index(id)]) {
      fail(name(id), fmt::format("is missing; a {} needs it", kind_name(type)));
    }
  };
  auto positive = [&](FieldId id) {
    if (f.ok(id) && !(f.n(id) > 0)) {
      fail(name(id), fmt::format("{} ({}) must be greater than 0", name(id), num(f.n(id))));
    }
  };
  auto at_most = [&](FieldId id, double hi, std::string_view option) {
    if (f.ok(id) && f.n(id) > hi) {
      fail(name(id), fmt::format("{} ({}) must be at most {} ({})", name(id), num(f.n(id)), num(hi), option));
    }
  };
  auto in_range = [&](FieldId id, double lo, double hi) {
    if (f.ok(id) && !(f.n(id) >= lo && f.n(id) <= hi)) {
      fail(name(id), fmt::format("{} ({}) must be between {} and {}", name(id), num(f.n(id)),
                                 num(lo), num(hi)));
    }
  };
  auto short_name = [&](FieldId id) {
    if (!f.ok(id)) return;
    std::string_view s = f.s(id);
    if (s.empty() || s.size() > 64) {
      fail(name(id), fmt::format("must be 1 to 64 characters, got {}", s.size()));
      return;
    }
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        fail(name(id), "must not contain control characters");
        return;
      }
    }
  };

  // Free text (a headline) goes into mail bodies and the page: tabs are fine, line breaks
  // and other control characters are refused, as SECURITY.md says.
  auto no_control_characters = [&](FieldId id) {
    if (!f.ok(id) || f.is_null[index(id)]) return;
    for (char c : f.s(id)) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
        fail(name(id), "must not contain control characters (line breaks included)");
        return;
      }
    }
  };

  if (type != DataType::economic_indicator) {
    require(FieldId::stock_symbol);
    if (f.ok(FieldId::stock_symbol)) {
      if (auto problem = symbol_problem(f.s(FieldId::stock_symbol))) fail("stock_symbol", *problem);
    }
  }
  require(FieldId::timestamp);
  if (f.ok(FieldId::timestamp)) {
    double ts = f.n(FieldId::timestamp);
    if (ts < limits.min_timestamp) {
      fail("timestamp", fmt::format("timestamp ({}) is before the earliest accepted ({}); send Unix "
                                    "epoch seconds",
                                    num(ts), num(limits.min_timestamp)));
    } else if (ts > now + limits.max_future_seconds) {
      fail("timestamp", fmt::format("timestamp ({}) is more than {} s after now ({}); send Unix "
                                    "epoch seconds, not milliseconds",
                                    num(ts), num(limits.max_future_seconds), num(now)));
    }
  }

  switch (type) {
    case DataType::stock: {
      for (FieldId id : {FieldId::opening_price, FieldId::closing_price, FieldId::high,
                         FieldId::low, FieldId::volume}) {
        require(id);
      }
      for (FieldId id : {FieldId::opening_price, FieldId::closing_price, FieldId::high, FieldId::low}) {
        positive(id);
        at_most(id, limits.max_price, "validation.max_price");
      }
      if (f.ok(FieldId::volume)) {
        double v = f.n(FieldId::volume);
        if (v < 0 || v != std::floor(v) || v > max_exact_integer) {
          fail("volume", fmt::format("volume ({}) must be a whole number from 0 to 2^53", num(v)));
        }
      }
      auto all_ok = [&](std::initializer_list<FieldId> ids) {
        for (FieldId id : ids) {
          if (!f.ok(id) || !(f.n(id) > 0)) return false;
        }
        return true;
      };
      if (all_ok({FieldId::high, FieldId::low}) && f.n(FieldId::low) > f.n(FieldId::high)) {
        fail("low", fmt::format("low ({}) is above high ({})", num(f.n(FieldId::low)), num(f.n(FieldId::high))));
      }
      for (FieldId id : {FieldId::opening_price, FieldId::closing_price}) {
        if (all_ok({FieldId::high, id}) && f.n(FieldId::high) < f.n(id)) {
          fail("high", fmt::format("high ({}) is below {} ({})", num(f.n(FieldId::high)), name(id),
                                   num(f.n(id))));
        }
        if (all_ok({FieldId::low, id}) && f.n(FieldId::low) > f.n(id)) {
          fail("low", fmt::format("low ({}) is above {} ({})", num(f.n(FieldId::low)), name(id),
                                  num(f.n(id))));
        }
      }
      break;
    }
    case DataType::order_book:
      require(FieldId::order_type);
      require(FieldId::price);
      require(FieldId::quantity);
      if (f.ok(FieldId::order_type) && f.s(FieldId::order_type) != "buy" &&
          f.s(FieldId::order_type) != "sell") {
        fail("order_type", fmt::format("must be \"buy\" or \"sell\", got {}", quoted(f.s(FieldId::order_type))));
      }
      positive(FieldId::price);
      positive(FieldId::quantity);
      at_most(FieldId::price, limits.max_price, "validation.max_price");
      at_most(FieldId::quantity, limits.max_quantity, "validation.max_quantity");
      break;
    case DataType::news_sentiment:
      require(FieldId::sentiment_score);
      require(FieldId::sentiment_magnitude);
      in_range(FieldId::sentiment_score, -1, 1);
      in_range(FieldId::sentiment_magnitude, 0, 1);
      if (!f.is_null[index(FieldId::news_type)]) short_name(FieldId::news_type);
      no_control_characters(FieldId::headline);
      break;
    case DataType::market_data:
      require(FieldId::market_cap);
      require(FieldId::pe_ratio);
      positive(FieldId::market_cap);
      break;
    case DataType::economic_indicator:
      require(FieldId::indicator_name);
      require(FieldId::value);
      short_name(FieldId::indicator_name);
      break;
  }

  if (source == RecordSource::pipeline) {
    if (f.ok(FieldId::seq)) {
      double s = f.n(FieldId::seq);
      if (s < 1 || s != std::floor(s) || s > max_exact_integer) {
        fail("seq", fmt::format("seq ({}) must be a whole number ≥ 1", num(s)));
      }
    }
    if (f.ok(FieldId::signal) && !parse_side(f.s(FieldId::signal))) {
      fail("signal", fmt::format("must be buy, sell or neutral, got {}", quoted(f.s(FieldId::signal))));
    }
    in_range(FieldId::signal_strength, 0, 1);
  }
}

void RecordParser::Impl::fill(DataType type, Record& out) {
  out.type = type;
  out.data_type_given = f.seen[index(FieldId::data_type)];
  out.symbol = type == DataType::economic_indicator ? Symbol{} : Symbol::from_valid(f.s(FieldId::stock_symbol));
  out.raw_reusable = type == DataType::economic_indicator || out.symbol.view() == f.s(FieldId::stock_symbol);
  out.timestamp = f.n(FieldId::timestamp);
  switch (type) {
    case DataType::stock:
      out.body = StockTick{f.n(FieldId::opening_price), f.n(FieldId::closing_price),
                           f.n(FieldId::high), f.n(FieldId::low),
                           static_cast<std::int64_t>(f.n(FieldId::volume))};
      break;
    case DataType::order_book:
      out.body = OrderBookEntry{f.s(FieldId::order_type) == "buy" ? Side::buy : Side::sell,
                                f.n(FieldId::price), f.n(FieldId::quantity)};
      break;
    case DataType::news_sentiment: {
      NewsSentiment news{f.n(FieldId::sentiment_score), f.n(FieldId::sentiment_magnitude), {}, {}};
      if (f.ok(FieldId::headline) && !f.is_null[index(FieldId::headline)]) news.headline = std::string(f.s(FieldId::headline));
      if (f.ok(FieldId::news_type) && !f.is_null[index(FieldId::news_type)]) news.news_type = std::string(f.s(FieldId::news_type));
      out.body = std::move(news);
      break;
    }
    case DataType::market_data:
      out.body = MarketData{f.n(FieldId::market_cap), f.n(FieldId::pe_ratio)};
      break;
    case DataType::economic_indicator:
      out.body = EconomicIndicator{std::string(f.s(FieldId::indicator_name)), f.n(FieldId::value)};
      break;
  }

  out.seq.reset();
  out.ingest_ts.reset();
  out.indicators.reset();
  out.signal.reset();
  if (f.ok(FieldId::seq)) out.seq = static_cast<std::uint64_t>(f.n(FieldId::seq));
  if (f.ok(FieldId::ingest_ts)) out.ingest_ts = f.n(FieldId::ingest_ts);
  // Only a tick carries indicators: on another data_type these names pass through as
  // extras (an indicator set as well would write each of them twice).
  if (type == DataType::stock &&
      (f.seen[index(FieldId::ma)] || f.seen[index(FieldId::ema)] || f.seen[index(FieldId::rsi)])) {
    Indicators ind;
    auto opt = [&](FieldId id) -> std::optional<double> {
      if (f.ok(id) && !f.is_null[index(id)]) return f.n(id);
      return std::nullopt;
    };
    ind.ma = opt(FieldId::ma);
    ind.ema = opt(FieldId::ema);
    ind.rsi = opt(FieldId::rsi);
    out.indicators = ind;
  }
  if (f.ok(FieldId::signal)) {
    SignalResult s;
    s.signal = *parse_side(f.s(FieldId::signal));
    s.reason = std::string(f.s(FieldId::signal_reason));
    s.strength = f.ok(FieldId::signal_strength) ? f.n(FieldId::signal_strength) : 0;
    out.signal = std::move(s);
  }
}

}  // namespace tickflow
