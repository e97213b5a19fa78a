// RecordParser's rules per data_type, checked over the fields one parse captured, and the
// Record filled from them (see record_parser_impl.hpp).
#include "src/core/record_parser_impl.hpp"

namespace tickflow {


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
