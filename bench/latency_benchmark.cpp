// Tick → signal latency in one process over the in-memory bus: from the moment ingest
// receives a record (IngestHandler::handle, no HTTP) to the moment its signal record is
// read from the signals topic, with process and signal running as in `tickflow run`.
// One feeder paces single-record requests at RATE ticks/s for SECONDS.
// Usage: latency_benchmark RATE SECONDS. Prints one JSON object with p50/p99/p99.9 in µs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/bus/memory_bus.hpp"
#include "src/services/ingest/ingest_handler.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace {
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
}  // namespace

int main(int argc, char** argv) {
  double rate = argc > 1 ? std::atof(argv[1]) : 10000;
  double seconds = argc > 2 ? std::atof(argv[2]) : 3;
  tickflow::MemoryBus bus;
  tickflow::IngestHandler ingest(bus, tickflow::IngestOptions{});
  tickflow::ProcessService process(bus, tickflow::ProcessOptions{});
  tickflow::SignalService signal(bus, tickflow::SignalOptions{});
  std::jthread p([&](std::stop_token s) { process.run(s); });
  std::jthread g([&](std::stop_token s) { signal.run(s); });

  constexpr int symbols = 50;
  const auto total = static_cast<std::size_t>(rate * seconds);
  std::vector<Clock::time_point> sent(total);
  std::vector<Clock::time_point> received(total);
  std::atomic<std::size_t> got{0};
  std::jthread reader([&](std::stop_token s) {
    auto sub = bus.subscribe({"signals"}, "latency");
    simdjson::dom::parser parser;
    while (!s.stop_requested() && got < total) {
      for (const auto& r : sub->poll(1000, 50ms)) {
        auto now = Clock::now();
        std::uint64_t seq = 0;
        std::string_view sym;
        simdjson::dom::element doc;
        if (parser.parse(r.payload).get(doc) || doc["seq"].get_uint64().get(seq) ||
            doc["stock_symbol"].get_string().get(sym)) {
          continue;
        }
        // Record i carries symbol S(i % symbols) and seq i / symbols + 1.
        std::size_t i = (seq - 1) * symbols + static_cast<std::size_t>(std::atoi(std::string(sym.substr(1)).c_str()));
        if (i < total) received[i] = now;
        ++got;
      }
      sub->commit();
    }
  });

  double ts = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto start = Clock::now();
  for (std::size_t i = 0; i < total; ++i) {
    auto due = start + std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(i) * 1e9 / rate));
    while (Clock::now() < due) {
    }
    tickflow::HttpRequest req;
    req.method = "POST";
    req.target = "/ingest";
    req.content_type = "application/json";
    double price = 100 + static_cast<double>(i % 7);
    req.body = fmt::format(R"({{"stock_symbol":"S{:02}","opening_price":{},"closing_price":{},"high":{},"low":{},"volume":100,"timestamp":{}}})",
                           i % symbols, price, price, price + 1, price - 1, ts);
    sent[i] = Clock::now();
    ingest.handle(req);
  }
  auto deadline = Clock::now() + 10s;
  while (got < total && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  reader.request_stop();
  reader.join();
  std::vector<double> us;
  for (std::size_t i = 0; i < total; ++i) {
    if (received[i] > sent[i]) us.push_back(std::chrono::duration<double, std::micro>(received[i] - sent[i]).count());
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double q) { return us.empty() ? 0.0 : us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  fmt::print("{{\"rate\":{},\"ticks\":{},\"measured\":{},\"p50_us\":{:.1f},\"p99_us\":{:.1f},\"p999_us\":{:.1f}}}\n", rate,
             total, us.size(), pct(0.5), pct(0.99), pct(0.999));
  return us.size() == total ? 0 : 1;
}
