// Bus throughput with 150-byte records keyed by 100 symbols.
//   bus_benchmark memory N [BATCH]  one publisher thread and one consumer thread, both in
//                                   batches of BATCH (default 1000; commit per batch): records/s
//                                   end to end
//   bus_benchmark kafka BROKERS N   KafkaBus publish + flush (produce rate), then a new group
//                                   consuming all of it (consume rate); the topic is deleted after
//   bus_benchmark delete BROKERS TOPIC...  deletes topics (scripts/bench: kcat's, after its rounds)
// Prints one JSON object. scripts/bench puts the Kafka figures beside kcat's on the same broker.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/bus/kafka_bus.hpp"
#include "src/bus/memory_bus.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back(fmt::format("SYM{:03}", i));
  return keys;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int run_memory(std::size_t n, std::size_t batch_size) {
  tickflow::MemoryBus bus;
  auto keys = make_keys();
  std::string payload(150, 'x');
  auto sub = bus.subscribe({"bench"}, "bench");
  std::size_t consumed = 0;
  auto start = Clock::now();
  std::thread consumer([&] {
    while (consumed < n) {
      consumed += sub->poll(batch_size, 100ms).size();
      sub->commit();
    }
  });
  std::vector<tickflow::OutgoingRecord> batch;
  for (std::size_t i = 0; i < n;) {
    batch.clear();
    for (std::size_t j = 0; j < batch_size && i < n; ++j, ++i) batch.push_back({keys[i % keys.size()], payload});
    if (bus.publish_batch("bench", batch, 10s) != batch.size()) return 1;
  }
  consumer.join();
  double secs = seconds_since(start);
  fmt::print("{{\"bus\":\"memory\",\"records\":{},\"batch\":{},\"seconds\":{:.3f},\"records_per_s\":{:.0f}}}\n", n,
             batch_size, secs, n / secs);
  return 0;
}

int run_kafka(const std::string& brokers, std::size_t n) {
  tickflow::KafkaBusOptions o;
  o.brokers = brokers;
  o.linger_ms = 5;           // what kcat (librdkafka's default) batches with
  o.compression = "none";    // and compresses with
  tickflow::KafkaBus bus(o);
  auto keys = make_keys();
  std::string payload(150, 'x');
  std::string topic = fmt::format("bench-bus-{}", std::random_device{}());
  if (auto s = bus.ensure_topics({topic}); !s.ok) {
    fmt::print(stderr, "{}\n", s.message);
    return 1;
  }
  auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (bus.publish(topic, keys[i % keys.size()], payload, 30s) != tickflow::PublishStatus::ok) return 1;
  }
  if (bus.flush(120s) != 0) return 1;
  double produce = seconds_since(start);
  auto sub = bus.subscribe({topic}, topic + "-reader");
  std::size_t consumed = 0;
  start = Clock::now();
  auto deadline = start + 300s;
  Clock::time_point first{};
  while (consumed < n && Clock::now() < deadline) {
    auto got = sub->poll(5000, 500ms).size();
    if (got > 0 && consumed == 0) first = Clock::now();
    consumed += got;
  }
  sub->commit();
  // Consume rate from the first record on: joining the group is not reading.
  double consume = std::chrono::duration<double>(Clock::now() - first).count();
  sub->close();
  if (auto s = bus.delete_topics({topic}); !s.ok) fmt::print(stderr, "{}\n", s.message);
  fmt::print("{{\"bus\":\"kafka\",\"records\":{},\"produce_per_s\":{:.0f},\"consume_per_s\":{:.0f},\"consumed\":{},\"topic\":\"{}\"}}\n",
             n, n / produce, consumed / consume, consumed, topic);
  return consumed == n ? 0 : 1;
}

int delete_topics(const std::string& brokers, std::vector<std::string> topics) {
  tickflow::KafkaBusOptions o;
  o.brokers = brokers;
  tickflow::KafkaBus bus(o);
  auto s = bus.delete_topics(topics);
  if (!s.ok) fmt::print(stderr, "bus_benchmark: {}\n", s.message);
  return s.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "memory";
  if (mode == "memory") return run_memory(argc > 2 ? std::stoul(argv[2]) : 10'000'000, argc > 3 ? std::stoul(argv[3]) : 1000);
  if (mode == "kafka" && argc > 2) return run_kafka(argv[2], argc > 3 ? std::stoul(argv[3]) : 1'000'000);
  if (mode == "delete" && argc > 3) return delete_topics(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  std::fprintf(stderr, "usage: bus_benchmark memory [N [BATCH]] | kafka BROKERS [N] | delete BROKERS TOPIC...\n");
  return 2;
}
