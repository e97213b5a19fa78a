// Memory for per-symbol state: the process and signal services (as `tickflow run` runs
// them, over the in-memory bus) fed SYMBOLS symbols, 30 ticks each, in waves the services
// drain before the next; RSS (VmRSS) is read after a warm-up wave of 10 symbols and at
// the end, so the difference is what the symbols' state costs.
// Usage: state_memory_benchmark SYMBOLS. Prints one JSON object.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "src/bus/memory_bus.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace {

double rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const int symbols = argc > 1 ? std::atoi(argv[1]) : 10000;
  constexpr int ticks_per_symbol = 30;
  tickflow::MemoryBus bus;
  tickflow::ProcessService process(bus, tickflow::ProcessOptions{});
  tickflow::SignalService signal(bus, tickflow::SignalOptions{});
  std::jthread p([&](std::stop_token s) { process.run(s); });
  std::jthread g([&](std::stop_token s) { signal.run(s); });
  auto sink = bus.subscribe({"signals", "alarm_topic"}, "sink");
  std::uint64_t drained = 0;

  std::string record;
  auto wave = [&](int first, int count, int round) {
    std::uint64_t sent = 0;
    for (int t = 0; t < ticks_per_symbol; ++t) {
      for (int s = first; s < first + count; ++s) {
        double price = 100 + (s % 97) + 0.1 * ((t * 7 + s) % 13);
        record = fmt::format(
            R"({{"data_type":"stock","stock_symbol":"S{:06}","opening_price":{},"closing_price":{},"high":{},"low":{},"volume":100,"timestamp":{},"seq":{}}})",
            s, price, price, price + 1, price - 1, 1767225600 + round * 100 + t, round * ticks_per_symbol + t + 1);
        while (bus.publish("validated_data", fmt::format("S{:06}", s), record, 1s) != tickflow::PublishStatus::ok) {
        }
        ++sent;
      }
      // Keep the bus small: let the services drain what was sent.
      while (drained < sent) {
        for (const auto& r : sink->poll(10000, 50ms)) drained += r.topic == "signals";
        sink->commit();
      }
      drained = 0;
      sent = 0;
    }
  };
  wave(0, 10, 0);
  malloc_trim(0);
  const double base = rss_mb();
  for (int first = 0; first < symbols; first += 10000) wave(first, std::min(10000, symbols - first), 1);
  malloc_trim(0);
  const double end = rss_mb();
  fmt::print("{{\"symbols\":{},\"rss_base_mb\":{:.1f},\"rss_mb\":{:.1f},\"state_mb\":{:.1f},\"bytes_per_symbol\":{:.0f}}}\n",
             symbols, base, end, end - base, (end - base) * 1024 * 1024 / symbols);
  return 0;
}
