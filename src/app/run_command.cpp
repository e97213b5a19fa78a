#include "src/app/run_command.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/log/named_logger.hpp"
#include "src/services/aggregate/aggregate_service.hpp"
#include "src/services/generate/ingest_sender.hpp"
#include "src/services/ingest/ingest_command.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace tickflow {

namespace {

using Clock = std::chrono::steady_clock;

std::string state_file(const std::string& data_dir, std::string_view stage, const std::string& group) {
  std::filesystem::create_directories(data_dir);
  return (std::filesystem::path(data_dir) / fmt::format("{}-{}.sqlite", stage, group)).string();
}

ProcessOptions process_options(const Settings& s, const std::string& group, const std::string& data_dir) {
  ProcessOptions o;
  o.state_path = state_file(data_dir, "process", group);
  o.in_topic = s.topics.validated;
  o.out_topic = s.topics.processed;
  o.rejected_topic = s.topics.rejected;
  o.group = group;
  o.periods = s.indicators;
  o.limits = s.validation;
  return o;
}

SignalOptions signal_options(const Settings& s, const std::string& group, const std::string& data_dir) {
  SignalOptions o;
  o.state_path = state_file(data_dir, "signal", group);
  o.in_topic = s.topics.processed;
  o.signals_topic = s.topics.signals;
  o.alarms_topic = s.topics.alarms;
  o.rejected_topic = s.topics.rejected;
  o.group = group;
  o.rules = s.signals;
  o.rules.rsi_period = s.indicators.rsi;
  o.limits = s.validation;
  return o;
}

AggregateOptions aggregate_options(const Settings& s, const std::string& group) {
  AggregateOptions o;
  o.in_topic = s.topics.signals;
  o.out_topic = s.topics.summary;
  o.group = group;
  o.forward_ticks = static_cast<int>(s.aggregate.forward_ticks);
  o.publish_every = std::chrono::milliseconds(s.aggregate.publish_every_ms);
  o.limits = s.validation;
  return o;
}

// "BUY AAPL @ 187.42: RSI 27.9 ≤ 30", for the log.
std::string describe_alarm(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element a;
  if (parser.parse(json).get(a)) return std::string(json);
  std::string_view side, symbol, reason;
  double price = 0;
  if (a["signal"].get_string().get(side) || a["stock_symbol"].get_string().get(symbol) ||
      a["reason"].get_string().get(reason) || a["price"].get_double().get(price)) {
    return std::string(json);
  }
  std::string upper(side);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format("{} {} @ {}: {}", upper, symbol, price, reason);
}

// Runs `service` on its own thread until SIGINT/SIGTERM, lets it finish the batch in hand,
// flushes the bus, and logs `totals()` (what the service did) on the way out.
template <typename Service, typename Totals>
int run_one_stage(Service& service, Bus& bus, StopSignal& stop, std::string_view name, Totals totals) {
  auto log = named_logger(std::string(name));
  std::jthread worker([&](std::stop_token token) { service.run(token); });
  int signal = stop.wait();
  log->info("signal {}: finishing the batch in hand", signal);
  worker.request_stop();
  worker.join();
  std::size_t left = bus.flush(std::chrono::seconds(30));
  log->info("stopped: {}{}", totals(), left ? fmt::format(", {} NOT delivered", left) : std::string());
  return left == 0 ? 0 : 1;
}

template <typename Service>
std::string records_in_out(const Service& service) {
  return fmt::format("{} records in, {} out", service.counters().consumed.load(), service.counters().published.load());
}

}  // namespace

int run_process_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                      const std::string& data_dir) {
  ProcessService service(bus, process_options(settings, group, data_dir));
  return run_one_stage(service, bus, stop, "process", [&] { return records_in_out(service); });
}

int run_signal_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                     const std::string& data_dir) {
  SignalService service(bus, signal_options(settings, group, data_dir));
  return run_one_stage(service, bus, stop, "signal", [&] { return records_in_out(service); });
}

int run_aggregate_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group) {
  AggregateService service(bus, aggregate_options(settings, group));
  return run_one_stage(service, bus, stop, "aggregate",
                       [&] { return fmt::format("{} summaries published", service.published()); });
}

int run_all(const RunArgs& args, const Settings& settings, Bus& bus, StopSignal& stop) {
  auto log = named_logger("run");
  std::error_code ec;
  std::filesystem::create_directories(args.data_dir, ec);
  if (ec) {
    log->error("cannot create data dir {}: {}", args.data_dir, ec.message());
    return 1;
  }
  const std::string alarms_path = (std::filesystem::path(args.data_dir) / "alarms.ndjson").string();
  std::ofstream alarms_file(alarms_path, std::ios::app);
  if (!alarms_file) {
    log->error("cannot write {}", alarms_path);
    return 1;
  }

  // Ingest, exactly as `tickflow ingest` runs it. Over Kafka its seq reservations persist
  // in the data dir; the in-memory bus starts empty, so its numbering may too.
  std::unique_ptr<IngestServer> ingest_server;
  try {
    ingest_server = std::make_unique<IngestServer>(
        settings, bus, "",
        settings.bus.kind == "kafka" ? (std::filesystem::path(args.data_dir) / "ingest-seq.sqlite").string() : "");
  } catch (const std::invalid_argument& e) {
    log->error("{}", e.what());
    return 2;
  }
  if (auto error = ingest_server->start(); !error.empty()) {
    log->error("{}", error);
    return 1;
  }
  IngestHandler& ingest = ingest_server->handler();
  const std::string ingest_url = ingest_server->url();

  // Over Kafka the stages checkpoint their state under the data dir and resume from it.
  // The in-memory bus starts empty on every run, so there state starts empty too.
  auto po = process_options(settings, "process", args.data_dir);
  auto so = signal_options(settings, "signal", args.data_dir);
  if (settings.bus.kind != "kafka") po.state_path.clear(), so.state_path.clear();
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  AggregateService aggregate(bus, aggregate_options(settings, "aggregate"));
  std::jthread process_thread([&](std::stop_token t) { process.run(t); });
  std::jthread signal_thread([&](std::stop_token t) { signal.run(t); });
  std::jthread aggregate_thread([&](std::stop_token t) { aggregate.run(t); });

  // Alarms: to a file and the log, until the notify service lands.
  std::atomic<std::uint64_t> alarms_written{0};
  std::jthread alarm_thread([&](std::stop_token t) {
    auto sub = bus.subscribe({settings.topics.alarms}, "alarm-file");
    while (!t.stop_requested()) {
      auto batch = sub->poll(1000, std::chrono::milliseconds(200));
      for (const auto& r : batch) {
        alarms_file << r.payload << '\n';
        named_logger("alarm")->info("{}", describe_alarm(r.payload));
      }
      alarms_file.flush();
      if (!batch.empty() && alarms_file) {
        sub->commit();  // only once the lines are in the file
        alarms_written.fetch_add(batch.size());
      }
    }
    sub->close();
  });

  std::atomic<bool> generator_stop{false};
  SenderReport generator_report;
  std::thread generator_thread;
  if (args.generator) {
    SenderOptions o;
    o.url = ingest_url;
    o.rate = args.rate;
    o.seed = args.seed != 0 ? args.seed : static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
    o.progress_every = std::chrono::hours(24);  // the status line below says it all
    generator_thread = std::thread([&, o] { generator_report = send_to_ingest(o, settings.generate, generator_stop); });
  }

  log->info("tickflow is running ({} bus)", settings.bus.kind);
  log->info("  ingest:    {}  (POST records here; WebSocket /ws; GET /healthz, /metrics)", ingest_url);
  log->info("  generator: {}", args.generator ? (args.rate > 0 ? fmt::format("{} records/s", args.rate)
                                                               : std::string("the original pacing, 1-5 s per record"))
                                              : std::string("off (data comes only from POST /ingest)"));
  log->info("  alarms:    {}  (e-mail and the dashboard come with the notify and dashboard services)", alarms_path);
  log->info("  data dir:  {}", args.data_dir);
  log->info("Ctrl-C stops.");

  auto last = Clock::now();
  std::uint64_t last_in = 0;
  int signal_number = 0;
  while ((signal_number = stop.wait(std::chrono::milliseconds(static_cast<long>(args.status_every * 1000)))) == 0) {
    auto now = Clock::now();
    double secs = std::chrono::duration<double>(now - last).count();
    auto totals = ingest.totals();
    auto c = bus.counters();
    log->info("status: {:.0f} records/s in, {} accepted, {} rejected, {} processed, {} signals, {} alarms, {} "
              "summaries, lag {}",
              static_cast<double>(totals.accepted - last_in) / secs, totals.accepted, totals.rejected,
              process.counters().published.load(), signal.counters().consumed.load(), signal.alarms(),
              aggregate.published(), c.lag);
    last = now;
    last_in = totals.accepted;
  }

  log->info("signal {}: stopping the generator, then ingest, then each stage after its batch", signal_number);
  generator_stop = true;
  if (generator_thread.joinable()) generator_thread.join();
  ingest_server->stop();
  // Let the stages catch up with what ingest took, briefly.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && bus.counters().lag > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  process_thread.request_stop();
  signal_thread.request_stop();
  aggregate_thread.request_stop();
  alarm_thread.request_stop();
  process_thread.join();
  signal_thread.join();
  aggregate_thread.join();
  alarm_thread.join();
  std::size_t left = bus.flush(std::chrono::seconds(30));
  auto totals = ingest.totals();
  log->info("stopped: {} accepted, {} rejected, {} processed, {} alarms ({} in {}){}", totals.accepted, totals.rejected,
            process.counters().published.load(), signal.alarms(), alarms_written.load(), alarms_path,
            left ? fmt::format(", {} NOT delivered", left) : std::string());
  return left == 0 ? 0 : 1;
}

}  // namespace tickflow
