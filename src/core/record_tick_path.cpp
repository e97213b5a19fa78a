// The tick path of RecordParser: a valid stock tick in the layout of the last one from
// the same source is read and checked in one pass (see record_parser_impl.hpp).
#include "src/core/record_parser_impl.hpp"

namespace tickflow {

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

}  // namespace tickflow
