// ns per update of each streaming indicator on a random-walk price series (one symbol's
// state, hot in cache: the cost of the arithmetic, which is what runs per tick).
#include <cmath>
#include <vector>

#include <benchmark/benchmark.h>

#include "src/indicators/atr.hpp"
#include "src/indicators/bollinger.hpp"
#include "src/indicators/ema.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/indicators/macd.hpp"
#include "src/indicators/rsi.hpp"
#include "src/indicators/sma.hpp"

namespace {

const std::vector<double>& prices() {
  static const std::vector<double> series = [] {
    std::vector<double> p(4096);
    double x = 100;
    unsigned state = 12345;
    for (auto& v : p) {
      state = state * 1103515245u + 12345u;
      x *= 1.0 + (static_cast<double>(state >> 16 & 0x7FFF) / 32768.0 - 0.5) * 0.01;
      v = x;
    }
    return p;
  }();
  return series;
}

template <typename Indicator, typename... Args>
void run(benchmark::State& state, Args... args) {
  Indicator ind(args...);
  const auto& p = prices();
  for (auto _ : state) {
    for (double x : p) benchmark::DoNotOptimize(ind.update(x));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.size()));
}

void BM_Sma(benchmark::State& s) { run<tickflow::Sma>(s, 20); }
void BM_Ema(benchmark::State& s) { run<tickflow::Ema>(s, 12); }
void BM_Rsi(benchmark::State& s) { run<tickflow::Rsi>(s, 14); }
void BM_Macd(benchmark::State& s) { run<tickflow::Macd>(s, 12, 26, 9); }
void BM_Bollinger(benchmark::State& s) { run<tickflow::Bollinger>(s, 20, 2.0); }
void BM_IndicatorSet(benchmark::State& s) { run<tickflow::IndicatorSet>(s, tickflow::IndicatorPeriods{}); }

void BM_Atr(benchmark::State& state) {
  tickflow::Atr atr(14);
  const auto& p = prices();
  for (auto _ : state) {
    for (double x : p) benchmark::DoNotOptimize(atr.update(x * 1.001, x * 0.999, x));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * p.size()));
}

BENCHMARK(BM_Sma);
BENCHMARK(BM_Ema);
BENCHMARK(BM_Rsi);
BENCHMARK(BM_Macd);
BENCHMARK(BM_Bollinger);
BENCHMARK(BM_Atr);
BENCHMARK(BM_IndicatorSet);

}  // namespace

BENCHMARK_MAIN();
