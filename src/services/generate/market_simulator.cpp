#include "src/services/generate/market_simulator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace tickflow {

namespace {

double cents(double price) { return std::max(0.01, std::round(price * 100.0) / 100.0); }

double start_price(std::string_view symbol) {
  struct Known {
    std::string_view symbol;
    double price;
  };
  static constexpr std::array<Known, 5> known = {{
      {"AAPL", 187.42}, {"GOOGL", 141.80}, {"AMZN", 178.25}, {"MSFT", 415.10}, {"TSLA", 248.50}}};
  for (const auto& k : known) {
    if (k.symbol == symbol) return k.price;
  }
  // Any other symbol: a stable price between 20 and 500 derived from its name.
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : symbol) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return 20.0 + static_cast<double>(h % 48000) / 100.0;
}

struct NewsTemplate {
  std::string_view type;
  std::string_view good;
  std::string_view bad;
};
constexpr std::array<NewsTemplate, 5> news_templates = {{
    {"earnings", "{} beats earnings estimates", "{} misses earnings estimates"},
    {"analyst", "Analysts upgrade {}", "Analysts downgrade {}"},
    {"product", "{} launch draws strong demand", "{} recalls flagship product"},
    {"regulatory", "Regulator clears {} deal", "Regulator opens probe into {}"},
    {"merger", "{} agrees to acquire a rival", "{} merger talks collapse"},
}};

struct IndicatorRange {
  std::string_view name;
  double low, high;  // plausible values, in percent
};
constexpr std::array<IndicatorRange, 4> economic_indicators = {{
    {"GDP Growth Rate", -5, 5},  // the original generator's only indicator and range
    {"Unemployment Rate", 3, 10},
    {"Inflation Rate", -1, 8},
    {"Interest Rate", 0, 6},
}};

std::string fill(std::string_view pattern, std::string_view symbol) {
  std::string out(pattern);
  auto at = out.find("{}");
  if (at != std::string::npos) out.replace(at, 2, symbol);
  return out;
}

}  // namespace

MarketSimulator::MarketSimulator(const std::vector<std::string>& symbols, std::uint64_t seed,
                                 const SimulatorConfig& config)
    : config_(config), random_(seed), clock_(config.start_timestamp) {
  for (const auto& s : symbols) {
    Symbol symbol = Symbol::from_valid(s);
    double price = start_price(symbol.view());
    double pe = random_.uniform(10.0, 32.0);
    double shares = std::round(random_.uniform(2e8, 1.5e10));
    instruments_.push_back({symbol, price, pe, shares});
  }
}

void MarketSimulator::advance_time() {
  if (fixed_time_) {
    record_.timestamp = *fixed_time_;
    fixed_time_.reset();
    return;
  }
  clock_ += random_.uniform(config_.min_interval_seconds, config_.max_interval_seconds);
  // Millisecond resolution, like a feed's timestamps; keeps files compact.
  record_.timestamp = std::round(clock_ * 1000.0) / 1000.0;
}

const Record& MarketSimulator::next() {
  Instrument& inst = instruments_[random_.below(instruments_.size())];
  if (random_.uniform() < config_.tick_share) {
    make_tick(inst);
  } else {
    make_other(inst);
  }
  return record_;
}

void MarketSimulator::make_other(Instrument& inst) {
  switch (random_.below(4)) {
    case 0: make_order(inst); break;
    case 1: make_news(inst); break;
    case 2: make_market_data(inst); break;
    default: make_economic_indicator(); break;
  }
}

const Record& MarketSimulator::next_at(double timestamp) {
  fixed_time_ = timestamp;
  return next();
}

const Record& MarketSimulator::next_tick_at(double timestamp) {
  fixed_time_ = timestamp;
  return next_tick();
}

const Record& MarketSimulator::next_other_at(double timestamp) {
  fixed_time_ = timestamp;
  make_other(instruments_[random_.below(instruments_.size())]);
  return record_;
}

const Record& MarketSimulator::next_tick() {
  make_tick(instruments_[random_.below(instruments_.size())]);
  return record_;
}

void MarketSimulator::make_tick(Instrument& inst) {
  advance_time();
  const double s = config_.sigma;
  double open = cents(inst.price);
  double close = cents(open * std::exp((config_.mu - 0.5 * s * s) + s * random_.normal()));
  double high = cents(std::max(open, close) * (1.0 + std::fabs(random_.normal()) * s * 0.5));
  double low = cents(std::min(open, close) * (1.0 - std::fabs(random_.normal()) * s * 0.5));
  high = std::max({high, open, close});
  low = std::max(0.01, std::min({low, open, close}));
  // Volume: around the mean with Poisson-like spread and occasional bursts.
  double mean = static_cast<double>(config_.mean_volume);
  double volume = (mean + std::sqrt(mean) * random_.normal()) * (1.0 + 0.1 * random_.normal());
  if (random_.uniform() < 0.02) volume *= 3.0;
  inst.price = close;

  record_.type = DataType::stock;
  record_.symbol = inst.symbol;
  record_.body = StockTick{open, close, high, low, static_cast<std::int64_t>(std::max(0.0, std::round(volume)))};
  record_.extras.clear();
}

void MarketSimulator::make_order(const Instrument& inst) {
  advance_time();
  Side side = random_.uniform() < 0.5 ? Side::buy : Side::sell;
  double offset = (side == Side::buy ? -1.0 : 1.0) * std::fabs(random_.normal()) * 0.002;
  double price = cents(inst.price * (1.0 + offset));
  // Mostly small orders, a few large ones.
  double quantity = std::round(std::exp(random_.uniform(0.0, 7.5)));
  record_.type = DataType::order_book;
  record_.symbol = inst.symbol;
  record_.body = OrderBookEntry{side, price, std::max(1.0, quantity)};
  record_.extras.clear();
}

void MarketSimulator::make_news(const Instrument& inst) {
  advance_time();
  const auto& t = news_templates[random_.below(news_templates.size())];
  double score = std::clamp(random_.normal() * 0.5, -1.0, 1.0);
  NewsSentiment news;
  news.sentiment_score = std::round(score * 1000.0) / 1000.0;
  news.sentiment_magnitude = std::round(random_.uniform() * 1000.0) / 1000.0;
  news.news_type = std::string(t.type);
  news.headline = fill(score >= 0 ? t.good : t.bad, inst.symbol.view());
  record_.type = DataType::news_sentiment;
  record_.symbol = inst.symbol;
  record_.body = std::move(news);
  record_.extras.clear();
}

void MarketSimulator::make_market_data(Instrument& inst) {
  advance_time();
  inst.pe_ratio = std::clamp(inst.pe_ratio * (1.0 + 0.02 * random_.normal()), 3.0, 80.0);
  record_.type = DataType::market_data;
  record_.symbol = inst.symbol;
  record_.body = MarketData{std::round(inst.price * inst.shares / 1e6) * 1e6, std::round(inst.pe_ratio * 100.0) / 100.0};
  record_.extras.clear();
}

void MarketSimulator::make_economic_indicator() {
  advance_time();
  const auto& indicator = economic_indicators[random_.below(economic_indicators.size())];
  record_.type = DataType::economic_indicator;
  record_.symbol = Symbol{};
  record_.body = EconomicIndicator{std::string(indicator.name),
                                   std::round(random_.uniform(indicator.low, indicator.high) * 100.0) / 100.0};
  record_.extras.clear();
}

}  // namespace tickflow
