// Throughput of the process stage with 1 and with 2 instances in one consumer group, over
// the in-memory bus: the instances share the topic's partitions (by symbol), as two
// `tickflow process` processes share a Kafka topic's. The 1-instance run is the baseline.
// Both instances join before any record is published (no rebalance mid-run, so nothing is
// delivered twice); then RECORDS ticks over 200 symbols are published as fast as the bus
// takes them and the clock runs until every one has been consumed. A drain thread reads
// the output topic, as the signal stage would.
// Usage: scaling_benchmark [RECORDS]. Prints one JSON object.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/bus/memory_bus.hpp"
#include "src/services/process/process_service.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Validated ticks as ingest writes them (with seq and ingest_ts), round-robin over symbols.
std::vector<std::string> make_ticks(std::size_t count, int symbols) {
  std::vector<std::string> ticks;
  ticks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    int s = static_cast<int>(i % static_cast<std::size_t>(symbols));
    double price = 100 + static_cast<double>((i * 7919) % 1000) / 100;
    ticks.push_back(fmt::format(
        R"({{"data_type":"stock","stock_symbol":"S{:03}","opening_price":{},"closing_price":{},"high":{},"low":{},"volume":1000,"timestamp":1767225600,"seq":{},"ingest_ts":1767225600.5}})",
        s, price, price, price + 1, price - 1, i / static_cast<std::size_t>(symbols) + 1));
  }
  return ticks;
}

// Records/s through `instances` process services sharing one group.
double run(int instances, const std::vector<std::string>& ticks, int symbols) {
  tickflow::MemoryBus bus;
  std::vector<std::unique_ptr<tickflow::ProcessService>> services;
  std::vector<std::jthread> threads;
  for (int i = 0; i < instances; ++i) {
    services.push_back(std::make_unique<tickflow::ProcessService>(bus, tickflow::ProcessOptions{}));
  }
  for (auto& s : services) threads.emplace_back([&s](std::stop_token stop) { s->run(stop); });
  // The next stage's part, reduced to reading and committing: without a group reading the
  // output topic the bus keeps every record and pushes back once its partitions are full.
  threads.emplace_back([&bus](std::stop_token stop) {
    auto drain = bus.subscribe({"Processed_data"}, "drain");
    while (!stop.stop_requested()) {
      if (!drain->poll(10000, 50ms).empty()) drain->commit();
    }
  });
  std::this_thread::sleep_for(300ms);  // every instance has subscribed: the split is settled

  std::vector<std::string> keys;
  for (int s = 0; s < symbols; ++s) keys.push_back(fmt::format("S{:03}", s));
  auto consumed = [&] {
    std::uint64_t n = 0;
    for (auto& s : services) n += s->counters().consumed.load();
    return n;
  };
  auto start = Clock::now();
  std::vector<tickflow::OutgoingRecord> batch;
  for (std::size_t i = 0; i < ticks.size();) {
    batch.clear();
    for (std::size_t j = i; j < ticks.size() && batch.size() < 1000; ++j) {
      batch.push_back({keys[j % keys.size()], ticks[j]});
    }
    i += bus.publish_batch("validated_data", batch, 1s);
  }
  while (consumed() < ticks.size()) std::this_thread::sleep_for(200us);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& t : threads) t.request_stop();
  return static_cast<double>(ticks.size()) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? static_cast<std::size_t>(std::atoll(argv[1])) : 1000000;
  constexpr int symbols = 200;
  auto ticks = make_ticks(records, symbols);
  double one = run(1, ticks, symbols);
  double two = run(2, ticks, symbols);
  fmt::print("{{\"records\":{},\"symbols\":{},\"one_instance_per_s\":{:.0f},\"two_instances_per_s\":{:.0f},\"ratio\":{:.2f}}}\n",
             records, symbols, one, two, two / one);
  return 0;
}
