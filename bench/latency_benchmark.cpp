// Tick → signal latency: from the moment ingest receives a record (IngestHandler::handle,
// no HTTP) to the moment the signal service publishes its signal record (p50_us, ...:
// the issue's definition) and to the moment a consumer reads it from the signals topic
// (read_p50_us, ...: one more hand-off), with process and signal wired as `tickflow run`
// wires them: chained on one thread (ProcessSignalChain), over the in-memory bus or, with
// BROKERS, over Kafka (fresh topics, the producer linger and compression of config/tickflow.toml; the tick
// goes through the broker from ingest to the stages; "published" is when the signal stage
// hands the record to librdkafka).
// `apart` after BROKERS: process and signal each on its own consumer, as the separate
// commands `tickflow process` and `tickflow signal` run — one more hop through the broker.
// `hop`: the baseline, no stages: the feeder publishes each tick straight to the topic the
// consumer reads (one hop through the broker, the same clients and settings), so the
// pipeline's figures can be read against what the broker and this machine give one hop
// (its read_*; the pipeline makes one hop to "published", two to "read"; apart, two and three).
// One feeder paces single-record requests at RATE ticks/s for SECONDS. PARTITIONS: of each
// topic over Kafka (default kafka.topic_partitions, 4): each partition's records travel in
// batches of their own, so at a given rate more partitions mean more, smaller batches for
// the broker (1 suits one instance per stage; more let instances of a stage share the work).
// processed_p50_us/processed_p99_us: apart, the first stage's share (tick → processed record
// published); 0 when chained.
// In memory, BUSY_POLL_US: how long the process stage watches for the next tick before it
// sleeps (bus.memory_busy_poll_us; default as configured, 100).
// machine_idle_pct: the share of all cores' time left idle while the measured ticks were
// fed (/proc/stat): how full the machine was that the figures came from.
// Usage: latency_benchmark RATE SECONDS [memory [BUSY_POLL_US] | BROKERS [pipeline|apart|hop [PARTITIONS]]]. Prints
// one JSON object (bus: memory, kafka, kafka-apart or kafka-hop), times in µs.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "src/app/settings.hpp"
#include "src/bus/kafka_bus.hpp"
#include "src/bus/memory_bus.hpp"
#include "src/services/chain/process_signal_chain.hpp"
#include "src/services/ingest/ingest_handler.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace {
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int symbols = 50;

// Record i carries symbol S(i % symbols) and seq i / symbols + 1; the warm-up ticks carry
// symbols starting with W. Returns SIZE_MAX for anything else.
std::size_t tick_index(std::string_view symbol, std::uint64_t seq) {
  if (symbol.size() != 3 || symbol[0] != 'S' || seq == 0) return SIZE_MAX;
  return (seq - 1) * symbols + static_cast<std::size_t>((symbol[1] - '0') * 10 + (symbol[2] - '0'));
}

// The three-letter symbol and the seq of a record this benchmark made, found with plain
// searches: the measuring threads share the two cores with what they measure, and a
// parser for each record took 3% of this process's CPU samples at 100k ticks/s over
// Kafka. {"", 0} if absent.
std::pair<std::string_view, std::uint64_t> symbol_and_seq(std::string_view payload) {
  constexpr std::string_view symbol_field = "\"stock_symbol\":\"";
  constexpr std::string_view seq_field = "\"seq\":";
  auto sym_at = payload.find(symbol_field);
  auto seq_at = payload.find(seq_field);
  if (sym_at == std::string_view::npos || seq_at == std::string_view::npos) return {};
  std::uint64_t seq = 0;
  const char* digits = payload.data() + seq_at + seq_field.size();
  std::from_chars(digits, payload.data() + payload.size(), seq);
  return {payload.substr(sym_at + symbol_field.size(), 3), seq};
}

// The signal service's bus, noting the time each signal record is published: the end of
// the span the issue measures. Reads seq and symbol with plain searches (no parser on the
// measured thread).
class PublishClock final : public tickflow::Bus {
 public:
  PublishClock(tickflow::Bus& inner, std::string topic, std::vector<Clock::time_point>& at)
      : inner_(inner), topic_(std::move(topic)), at_(at) {}

  tickflow::PublishStatus publish(std::string_view topic, std::string_view key, std::string_view payload,
                                  std::chrono::milliseconds wait) override {
    note(topic, payload);
    return inner_.publish(topic, key, payload, wait);
  }
  std::size_t publish_batch(std::string_view topic, std::span<const tickflow::OutgoingRecord> records,
                            std::chrono::milliseconds wait) override {
    for (const auto& r : records) note(topic, r.payload);
    return inner_.publish_batch(topic, records, wait);
  }
  std::unique_ptr<tickflow::Subscription> subscribe(const std::vector<std::string>& topics, std::string_view group) override {
    return inner_.subscribe(topics, group);
  }
  tickflow::BusStatus ensure_topics(const std::vector<std::string>& topics) override {
    return inner_.ensure_topics(topics);
  }
  std::size_t flush(std::chrono::milliseconds timeout) override { return inner_.flush(timeout); }
  bool stores_on_publish() const override { return inner_.stores_on_publish(); }
  std::uint64_t publish_mark() override { return inner_.publish_mark(); }
  std::size_t flush_to(std::uint64_t mark, std::chrono::milliseconds timeout) override {
    return inner_.flush_to(mark, timeout);
  }
  tickflow::BusCounters counters() const override { return inner_.counters(); }
  tickflow::BusStatus health(std::chrono::milliseconds timeout) override { return inner_.health(timeout); }

 private:
  void note(std::string_view topic, std::string_view payload) {
    if (topic != topic_) return;
    auto now = Clock::now();
    auto [symbol, seq] = symbol_and_seq(payload);
    if (std::size_t i = tick_index(symbol, seq); i < at_.size()) at_[i] = now;
  }

  tickflow::Bus& inner_;
  std::string topic_;
  std::vector<Clock::time_point>& at_;
};

// argv[i] as a number of at least `least`, or `fallback` when not given; nullopt (and a
// line on stderr naming the argument) when it is given and is not one.
template <typename Number>
std::optional<Number> number_argument(int argc, char** argv, int i, const char* name, Number least, Number fallback) {
  if (argc <= i) return fallback;
  const std::string_view text = argv[i];
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value >= least)) {
    std::fprintf(stderr, "latency_benchmark: %s is a %s from %g, not '%s'\n", name,
                 std::is_integral_v<Number> ? "whole number" : "number", static_cast<double>(least), argv[i]);
    return std::nullopt;
  }
  return value;
}

// Time all cores spent, and idle (idle + iowait), in USER_HZ ticks: the first line of
// /proc/stat. Nothing where there is none.
struct CpuTimes {
  std::uint64_t idle = 0;
  std::uint64_t total = 0;
};
std::optional<CpuTimes> read_cpu_times() {
  std::ifstream in("/proc/stat");
  std::string name;
  if (!(in >> name) || name != "cpu") return std::nullopt;
  CpuTimes t;
  // user nice system idle iowait irq softirq steal; guest and guest_nice follow, already
  // counted in user and nice.
  for (int field = 0; field < 8; ++field) {
    std::uint64_t v = 0;
    if (!(in >> v)) return std::nullopt;
    t.total += v;
    if (field == 3 || field == 4) t.idle += v;
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const auto rate_arg = number_argument<double>(argc, argv, 1, "RATE", 1, 10000);
  const auto seconds_arg = number_argument<double>(argc, argv, 2, "SECONDS", 0.1, 3);
  if (!rate_arg || !seconds_arg) return 2;
  const double rate = *rate_arg;
  const double seconds = *seconds_arg;
  const bool kafka = argc > 3 && std::string_view(argv[3]) != "memory";
  const bool hop = kafka && argc > 4 && std::string_view(argv[4]) == "hop";
  const bool apart = kafka && argc > 4 && std::string_view(argv[4]) == "apart";
  if (kafka && argc > 4 && !hop && !apart && std::string_view(argv[4]) != "pipeline") {
    std::fprintf(stderr, "latency_benchmark: the fourth argument is pipeline, apart or hop, not %s\n", argv[4]);
    return 2;
  }
  const tickflow::KafkaSettings kafka_defaults;
  // PARTITIONS comes only after BROKERS, BUSY_POLL_US only after memory: the other is read
  // at argc, not given.
  const auto partitions_arg = number_argument<int>(argc, argv, kafka ? 5 : argc, "PARTITIONS", 1,
                                                   static_cast<int>(kafka_defaults.topic_partitions));
  const auto busy_poll_arg = number_argument<std::int64_t>(argc, argv, kafka ? argc : 4, "BUSY_POLL_US", 0,
                                                           tickflow::BusSettings{}.memory_busy_poll_us);
  if (!partitions_arg || !busy_poll_arg) return 2;
  const int partitions = *partitions_arg;
  std::unique_ptr<tickflow::Bus> bus_owner;
  tickflow::KafkaBus* kafka_bus = nullptr;
  tickflow::IngestOptions io;
  tickflow::ProcessOptions po;
  tickflow::SignalOptions so;
  po.busy_poll = std::chrono::microseconds(*busy_poll_arg);
  if (kafka) {
    tickflow::KafkaBusOptions ko;
    ko.brokers = argv[3];
    ko.linger_ms = static_cast<int>(kafka_defaults.linger_ms);
    ko.compression = kafka_defaults.compression;
    ko.topic_partitions = partitions;
    po.checkpoint_interval = so.checkpoint_interval = std::chrono::milliseconds(kafka_defaults.checkpoint_interval_ms);
    auto owned = std::make_unique<tickflow::KafkaBus>(ko);
    kafka_bus = owned.get();
    bus_owner = std::move(owned);
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
  const auto total = static_cast<std::size_t>(rate * seconds);
  std::vector<Clock::time_point> sent(total);
  std::vector<Clock::time_point> published(total);
  std::vector<Clock::time_point> received(total);
  PublishClock signal_bus(bus, so.signals_topic, published);
  std::vector<Clock::time_point> processed(total);  // the process stage's output, for its share
  PublishClock process_bus(bus, po.out_topic, processed);
  // The feeder calls ingest on one thread: waiting for the broker's acks before each
  // answer (ingest.ack_wait, an HTTP client's concern) would cap it at one tick per round
  // trip. The tick's own path to its signal does not wait for that answer.
  io.ack_wait = std::chrono::milliseconds(0);
  tickflow::IngestHandler ingest(bus, io);
  tickflow::ProcessService process(process_bus, po);
  tickflow::SignalService signal(signal_bus, so);
  // As `tickflow run` wires them: chained on one thread, processed records published only
  // over Kafka (in memory nothing reads them).
  PublishClock chain_bus(bus, so.signals_topic, published);
  tickflow::ProcessSignalChain chain(chain_bus, process, signal,
                                     kafka ? tickflow::ProcessSignalChain::Processed::published
                                           : tickflow::ProcessSignalChain::Processed::not_published);
  std::jthread p, g;
  if (!kafka || (!hop && !apart)) {
    p = std::jthread([&](std::stop_token s) { chain.run(s); });
  } else if (apart) {
    p = std::jthread([&](std::stop_token s) { process.run(s); });
    g = std::jthread([&](std::stop_token s) { signal.run(s); });
  }

  std::atomic<std::size_t> got{0};
  std::atomic<bool> warm{false};
  std::jthread reader([&](std::stop_token s) {
    auto sub = bus.subscribe({so.signals_topic}, "latency");
    const auto commit_every = std::chrono::milliseconds(tickflow::KafkaSettings{}.checkpoint_interval_ms);
    auto last_commit = Clock::now();
    while (!s.stop_requested() && got < total) {
      for (const auto& r : sub->poll(1000, 50ms)) {
        auto now = Clock::now();
        auto [sym, seq] = symbol_and_seq(r.payload);
        if (seq == 0) continue;
        if (sym.starts_with('W')) {
          warm = true;
          continue;
        }
        if (std::size_t i = tick_index(sym, seq); i < total) received[i] = now;
        ++got;
      }
      // As a stage does: at most every checkpoint interval, not waiting for the broker.
      if (auto now = Clock::now(); now - last_commit >= commit_every) {
        sub->commit(sub->positions(), false);
        last_commit = now;
      }
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
  // Every request is made before the clock starts: formatting ~200 bytes of JSON per tick
  // in the feeder took ~5% of this process's CPU samples at 100k ticks/s over Kafka.
  // Tick m carries symbol S(m % symbols) and price 100 + m % 7, so its request repeats
  // every symbols * 7 ticks; warm-up tick i carries W(i % symbols) at 100.
  constexpr std::size_t price_steps = 7;
  auto names = [](char first) {
    std::vector<std::string> made;
    for (int k = 0; k < symbols; ++k) made.push_back(fmt::format("{}{:02}", first, k));
    return made;
  };
  const std::vector<std::string> warm_names = names('W');
  const std::vector<std::string> measured_names = names('S');
  std::vector<tickflow::HttpRequest> warm_requests;
  std::vector<tickflow::HttpRequest> measured_requests;
  for (const auto& name : warm_names) warm_requests.push_back(tick(name, 100));
  for (std::size_t k = 0; k < symbols * price_steps; ++k) {
    measured_requests.push_back(tick(measured_names[k % symbols], 100 + static_cast<double>(k % price_steps)));
  }
  // The pipeline gets the request; hop publishes its body straight to the signals topic,
  // with the seq the reader expects (ingest would have added one).
  std::string hop_body;
  auto feed = [&](const tickflow::HttpRequest& req, std::string_view symbol, std::uint64_t seq) {
    if (!hop) {
      ingest.handle(req);
      return;
    }
    hop_body = req.body;
    hop_body.back() = ',';
    fmt::format_to(std::back_inserter(hop_body), R"("seq":{}}})", seq);
    bus.publish(so.signals_topic, symbol, hop_body);
  };
  std::uint64_t warm_seq = 0;
  for (auto until = Clock::now() + 60s; !warm && Clock::now() < until;) {
    feed(tick("WARM", 100), "WARM", ++warm_seq);
    std::this_thread::sleep_for(100ms);
  }
  // The feed runs warm_up_ticks first (symbols W00..), unmeasured: the first records on
  // each partition, and the broker's and the clients' first second at this rate, are
  // set-up, not the steady state the figures are about.
  const std::size_t warm_up_ticks = kafka ? static_cast<std::size_t>(rate) : 0;
  Clock::time_point start_measured;
  std::optional<CpuTimes> cpu_at_start;  // what the whole machine had left while the ticks were fed
  auto start = Clock::now();
  for (std::size_t i = 0; i < warm_up_ticks + total; ++i) {
    auto due = start + std::chrono::nanoseconds(static_cast<long long>(static_cast<double>(i) * 1e9 / rate));
    // Sleeps until the tick is due (late by the timer's slack, which does not matter:
    // latency counts from the moment of sending). A feeder spinning to be exact would hold
    // one of the machine's two cores that the stages need, as an HTTP server in epoll
    // does not. A late tick goes out at once, so the rate holds on average.
    if (Clock::now() < due) std::this_thread::sleep_until(due);
    if (i < warm_up_ticks) {
      feed(warm_requests[i % symbols], warm_names[i % symbols], ++warm_seq);
      continue;
    }
    if (i == warm_up_ticks) {
      start_measured = Clock::now();
      cpu_at_start = read_cpu_times();
    }
    const std::size_t m = i - warm_up_ticks;
    sent[m] = Clock::now();
    feed(measured_requests[m % measured_requests.size()], measured_names[m % symbols], m / symbols + 1);
  }
  const std::optional<CpuTimes> cpu_at_end = read_cpu_times();
  std::string machine_idle = "null";  // % of all cores' time idle while feeding
  if (cpu_at_start && cpu_at_end && cpu_at_end->total > cpu_at_start->total) {
    machine_idle = fmt::format("{:.1f}", 100.0 * static_cast<double>(cpu_at_end->idle - cpu_at_start->idle) /
                                             static_cast<double>(cpu_at_end->total - cpu_at_start->total));
  }
  const double achieved_rate =
      static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start_measured).count();
  auto deadline = Clock::now() + 10s;
  while (got < total && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  reader.request_stop();
  reader.join();
  for (auto* stage : {&p, &g}) {
    if (stage->joinable()) {
      stage->request_stop();
      stage->join();
    }
  }
  if (kafka_bus != nullptr) {
    // The run's own topics go: a broker kept for many runs would carry thousands of
    // partitions, and every client of it is slower for them.
    std::vector<std::string> made = {io.validated_topic, so.signals_topic};
    if (!hop) made.insert(made.end(), {po.out_topic, so.alarms_topic});
    if (auto s = kafka_bus->delete_topics(made); !s.ok) std::fprintf(stderr, "latency_benchmark: %s\n", s.message.c_str());
  }
  // Percentiles of the spans from `sent` to `end`, counting only ticks that got there.
  auto percentiles = [&](const std::vector<Clock::time_point>& end) {
    std::vector<double> us;
    for (std::size_t i = 0; i < total; ++i) {
      if (end[i] > sent[i]) us.push_back(std::chrono::duration<double, std::micro>(end[i] - sent[i]).count());
    }
    std::sort(us.begin(), us.end());
    auto pct = [&](double q) {
      return us.empty() ? 0.0 : us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))];
    };
    return std::tuple{us.size(), pct(0.5), pct(0.99), pct(0.999)};
  };
  auto [read, read_p50, read_p99, read_p999] = percentiles(received);
  // A hop's span ends when the consumer reads the tick: its p50 is the read_p50.
  auto [measured, p50, p99, p999] = hop ? std::tuple{read, read_p50, read_p99, read_p999} : percentiles(published);
  // How much of it the first stage took: tick → processed record published.
  auto [processed_count, processed_p50, processed_p99, processed_p999] = percentiles(processed);
  fmt::print("{{\"bus\":\"{}\",\"rate\":{},\"achieved_rate\":{:.0f},\"ticks\":{},\"measured\":{},\"p50_us\":{:.1f},\"p99_us\":{:.1f},"
             "\"p999_us\":{:.1f},\"read\":{},\"read_p50_us\":{:.1f},\"read_p99_us\":{:.1f},\"read_p999_us\":{:.1f},"
             "\"processed_p50_us\":{:.1f},\"processed_p99_us\":{:.1f},\"partitions\":{},\"busy_poll_us\":{},"
             "\"machine_idle_pct\":{}}}\n",
             hop ? "kafka-hop" : apart ? "kafka-apart" : kafka ? "kafka" : "memory", rate, achieved_rate, total, measured, p50, p99, p999, read, read_p50,
             read_p99, read_p999, processed_p50, processed_p99, kafka ? partitions : 0, po.busy_poll.count(), machine_idle);
  return measured == total && read == total ? 0 : 1;
}
