// Tick → signal latency: from the moment ingest receives a record (IngestHandler::handle,
// no HTTP) to the moment its signal record is read from the signals topic, with process
// and signal running as in `tickflow run` — over the in-memory bus, or with BROKERS over
// Kafka (fresh topics, producer linger 0, every hop through the broker).
// One feeder paces single-record requests at RATE ticks/s for SECONDS.
// Usage: latency_benchmark RATE SECONDS [BROKERS]. Prints one JSON object with
// p50/p99/p99.9 in µs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/bus/kafka_bus.hpp"
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
  const bool kafka = argc > 3;
  std::unique_ptr<tickflow::Bus> bus_owner;
  tickflow::IngestOptions io;
  tickflow::ProcessOptions po;
  tickflow::SignalOptions so;
  if (kafka) {
    tickflow::KafkaBusOptions ko;
    ko.brokers = argv[3];
    ko.linger_ms = 0;
    bus_owner = std::make_unique<tickflow::KafkaBus>(ko);
    // Fresh topics each run: nothing old to read first.
    std::string run = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    io.validated_topic = po.in_topic = "lat-validated-" + run;
    po.out_topic = so.in_topic = "lat-processed-" + run;
    so.signals_topic = "lat-signals-" + run;
    so.alarms_topic = "lat-alarms-" + run;
  } else {
    bus_owner = std::make_unique<tickflow::MemoryBus>();
  }
  tickflow::Bus& bus = *bus_owner;
  tickflow::IngestHandler ingest(bus, io);
  tickflow::ProcessService process(bus, po);
  tickflow::SignalService signal(bus, so);
  std::jthread p([&](std::stop_token s) { process.run(s); });
  std::jthread g([&](std::stop_token s) { signal.run(s); });

  constexpr int symbols = 50;
  const auto total = static_cast<std::size_t>(rate * seconds);
  std::vector<Clock::time_point> sent(total);
  std::vector<Clock::time_point> received(total);
  std::atomic<std::size_t> got{0};
  std::atomic<bool> warm{false};
  std::jthread reader([&](std::stop_token s) {
    auto sub = bus.subscribe({so.signals_topic}, "latency");
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
        if (sym == "WARM") {
          warm = true;
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
  // Until a warm-up tick has gone all the way through, the consumers are still joining
  // their groups (seconds, over Kafka): measuring starts after that.
  auto tick = [&](std::string_view symbol, double price) {
    tickflow::HttpRequest req;
    req.method = "POST";
    req.target = "/ingest";
    req.content_type = "application/json";
    req.body = fmt::format(R"({{"stock_symbol":"{}","opening_price":{},"closing_price":{},"high":{},"low":{},"volume":100,"timestamp":{}}})",
                           symbol, price, price, price + 1, price - 1, ts);
    return req;
  };
  for (auto until = Clock::now() + 60s; !warm && Clock::now() < until;) {
    ingest.handle(tick("WARM", 100));
    std::this_thread::sleep_for(100ms);
  }
  auto start = Clock::now();
  for (std::size_t i = 0; i < total; ++i) {
    auto due = start + std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(i) * 1e9 / rate));
    while (Clock::now() < due) {
    }
    auto req = tick(fmt::format("S{:02}", i % symbols), 100 + static_cast<double>(i % 7));
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
  fmt::print("{{\"bus\":\"{}\",\"rate\":{},\"ticks\":{},\"measured\":{},\"p50_us\":{:.1f},\"p99_us\":{:.1f},\"p999_us\":{:.1f}}}\n",
             kafka ? "kafka" : "memory", rate, total, us.size(), pct(0.5), pct(0.99), pct(0.999));
  return us.size() == total ? 0 : 1;
}
