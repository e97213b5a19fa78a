#include "src/app/commands/run_command.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "src/app/http_settings.hpp"
#include "src/app/memory_resume.hpp"
#include "src/app/commands/notify_command.hpp"
#include "src/app/options.hpp"
#include "src/app/thresholds.hpp"
#include "src/log/named_logger.hpp"
#include "src/services/common/status_server.hpp"
#include "src/services/aggregate/aggregate_service.hpp"
#include "src/services/chain/process_signal_chain.hpp"
#include "src/services/dashboard/dashboard_service.hpp"
#include "src/services/generate/ingest_sender.hpp"
#include "src/app/commands/ingest_command.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/signal/signal_service.hpp"

namespace tickflow {

namespace {

using Clock = std::chrono::steady_clock;

// Where each configured channel delivers, for the start-up banner.
std::string notify_targets(const Settings& s, const std::string& data_dir) {
  std::string out;
  for (const auto& name : split_list(s.notify.channels)) {
    if (!out.empty()) out += ", ";
    if (name == "file") {
      std::filesystem::path dir(s.notify.file_dir);
      out += "file " + (dir.is_relative() ? std::filesystem::path(data_dir) / dir : dir).string() + "/new";
    } else if (name == "smtp") {
      out += "smtp " + s.notify.smtp_url + " to " + s.notify.smtp_to;
    } else {
      out += "webhook " + s.notify.webhook_url;
    }
  }
  return out;
}

std::string state_file(const std::string& data_dir, std::string_view stage, const std::string& group) {
  std::filesystem::create_directories(data_dir);
  return (std::filesystem::path(data_dir) / fmt::format("{}-{}.sqlite", stage, group)).string();
}

ProcessOptions process_options(const Settings& s, const std::string& group, const std::string& data_dir) {
  ProcessOptions o;
  o.state_path = state_file(data_dir, "process", group);
  o.checkpoint_interval = std::chrono::milliseconds(s.kafka.checkpoint_interval_ms);
  o.busy_poll = std::chrono::microseconds(s.bus.memory_busy_poll_us);
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
  o.checkpoint_interval = std::chrono::milliseconds(s.kafka.checkpoint_interval_ms);
  o.in_topic = s.topics.processed;
  o.signals_topic = s.topics.signals;
  o.alarms_topic = s.topics.alarms;
  o.rejected_topic = s.topics.rejected;
  o.group = group;
  o.rules = s.signals;
  o.rules.rsi_period = s.indicators.rsi;
  o.limits = s.validation;
  o.control_topic = s.topics.control;
  o.apply_control = apply_threshold_change;
  return o;
}

DashboardOptions dashboard_options(const Settings& s, const std::string& group, const std::string& data_dir,
                                   ThresholdsStore* thresholds) {
  DashboardOptions o;
  o.listen = s.dashboard.listen;
  o.records_topic = s.topics.signals;
  o.alarms_topic = s.topics.alarms;
  o.notifications_topic = s.topics.notifications;
  o.summary_topic = s.topics.summary;
  o.group = group;
  o.history_path = state_file(data_dir, "dashboard", group);
  o.limits.bars_per_symbol = static_cast<std::size_t>(s.dashboard.history_bars);
  o.limits.max_symbols = static_cast<std::size_t>(s.dashboard.max_symbols);
  o.client_queue = static_cast<std::size_t>(s.dashboard.client_queue);
  if (s.dashboard.allowed_origins != "none") o.allowed_origins = split_list(s.dashboard.allowed_origins);
  if (const char* token = std::getenv("TICKFLOW_DASHBOARD_TOKEN")) o.token = token;
  if (s.http.allowed_hosts != "none") o.allowed_hosts = split_list(s.http.allowed_hosts);
  o.insecure = s.http.insecure;
  o.clients = client_limits(s.http);
  if (thresholds) {
    o.thresholds.current = [thresholds] { return thresholds->current_json(); };
    o.thresholds.change = [thresholds](std::string_view body) { return thresholds->change(body); };
  }
  return o;
}

AggregateOptions aggregate_options(const Settings& s, const std::string& group) {
  AggregateOptions o;
  o.in_topic = s.topics.signals;
  o.out_topic = s.topics.summary;
  o.group = group;
  o.forward_ticks = static_cast<int>(s.aggregate.forward_ticks);
  o.window = {static_cast<double>(s.aggregate.window_seconds), static_cast<std::size_t>(s.aggregate.window_max_records)};
  o.publish_every = std::chrono::milliseconds(s.aggregate.publish_every_ms);
  o.limits = s.validation;
  return o;
}

// `base` with the signal thresholds last changed from the dashboard (saved in the data
// dir), which hold over the configured ones; `logger` says which were loaded.
Settings with_saved_thresholds(const Settings& base, const std::string& data_dir, const std::string& logger) {
  Settings settings = base;
  if (auto what = load_saved_thresholds(settings, data_dir)) named_logger(logger)->info("{}", *what);
  return settings;
}

// Runs `service` on its own thread until SIGINT/SIGTERM, lets it finish the batch in hand,
// flushes the bus, and logs `totals()` (what the service did) on the way out.
template <typename Service, typename Totals>
int run_one_stage(Service& service, Bus& bus, StopSignal& stop, std::string_view name, Totals totals,
                  const std::string& listen, StatusSource status) {
  auto log = named_logger(std::string(name));
  std::unique_ptr<StatusServer> status_server;
  if (listen != "off") {
    try {
      status_server = std::make_unique<StatusServer>(listen, std::string(name), bus, std::move(status));
    } catch (const std::invalid_argument& e) {
      log->error("{}", e.what());
      return 2;
    }
    // A busy port does not stop the stage (a second instance on one host, say): the
    // records matter more than the metrics.
    if (auto error = status_server->start(); !error.empty()) {
      log->warn("{}.listen {}: {}; running without /healthz and /metrics", name, listen, error);
      status_server.reset();
    } else {
      log->info("GET {0}/healthz, {0}/metrics", status_server->url());
    }
  }
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

template <typename Service>
StatusSource stage_status(const Service& service) {
  return {[&service](PrometheusText& out) { append_stage_metrics(out, service.counters()); }, {}};
}

void append_notify_metrics(PrometheusText& out, const NotifyCounters& c, AlarmOutbox& outbox) {
  auto n = [](const std::atomic<std::uint64_t>& v) { return static_cast<double>(v.load()); };
  out.metric("tickflow_notify_alarms_total", "counter", "Alarms consumed, by outcome at the outbox.")
      .sample(PrometheusText::label("outcome", "stored"), n(c.received) - n(c.duplicates))
      .sample(PrometheusText::label("outcome", "duplicate"), n(c.duplicates))
      .sample(PrometheusText::label("outcome", "rejected"), n(c.rejected));
  out.metric("tickflow_notify_outbox_write_failures_total", "counter", "Outbox writes that failed (offset not committed).")
      .sample(n(c.outbox_failures));
  out.metric("tickflow_notify_attempts_total", "counter", "Delivery attempts by result (a digest counts each alarm).")
      .sample(PrometheusText::label("result", "sent"), n(c.delivered))
      .sample(PrometheusText::label("result", "retry"), n(c.retries))
      .sample(PrometheusText::label("result", "dead"), n(c.dead))
      .sample(PrometheusText::label("result", "resent_after_crash"), n(c.resent));
  out.metric("tickflow_notify_messages_total", "counter", "Mails, files and posts sent (a digest is one).")
      .sample(n(c.messages));
  out.metric("tickflow_notify_digests_total", "counter", "Digests sent during bursts.").sample(n(c.digests));
  out.metric("tickflow_notify_deliveries", "gauge", "Deliveries in the outbox by channel and state (dead: see --list-failed).");
  for (const auto& row : outbox.counts()) {
    out.sample(PrometheusText::label("channel", row.channel) + "," + PrometheusText::label("state", row.state),
               static_cast<double>(row.count));
  }
  auto space = outbox.space();
  out.metric("tickflow_notify_outbox_bytes", "gauge", "Bytes the outbox file holds in use (what is in flight).")
      .sample(static_cast<double>(space.used_bytes));
  out.metric("tickflow_notify_disk_free_bytes", "gauge", "Free bytes on the outbox's disk.")
      .sample(static_cast<double>(space.disk_free_bytes));
}

}  // namespace

int run_process_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                      const std::string& data_dir) {
  ProcessService service(bus, process_options(settings, group, data_dir));
  return run_one_stage(service, bus, stop, "process", [&] { return records_in_out(service); }, settings.process.listen,
                       stage_status(service));
}

int run_signal_stage(const Settings& base, Bus& bus, StopSignal& stop, const std::string& group,
                     const std::string& data_dir) {
  const Settings settings = with_saved_thresholds(base, data_dir, "signal");
  SignalService service(bus, signal_options(settings, group, data_dir));
  return run_one_stage(service, bus, stop, "signal", [&] { return records_in_out(service); }, settings.signal.listen,
                       stage_status(service));
}

int run_chained_stages(const Settings& base, Bus& bus, StopSignal& stop, const std::string& process_group,
                       const std::string& signal_group, const std::string& data_dir) {
  const Settings settings = with_saved_thresholds(base, data_dir, "signal");
  ProcessService process(bus, process_options(settings, process_group, data_dir));
  SignalService signal(bus, signal_options(settings, signal_group, data_dir));
  ProcessSignalChain chain(bus, process, signal);
  return run_one_stage(
      chain, bus, stop, "process",
      [&] {
        return fmt::format("{} ({} processed records, each also signalled)", records_in_out(chain), chain.processed());
      },
      settings.process.listen, stage_status(chain));
}

int run_aggregate_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group) {
  AggregateService service(bus, aggregate_options(settings, group));
  StatusSource status{[&](PrometheusText& out) {
                        out.metric("tickflow_aggregate_summaries_total", "counter", "Per-stock summaries published.")
                            .sample(static_cast<double>(service.published()));
                      },
                      {}};
  return run_one_stage(
      service, bus, stop, "aggregate", [&] { return fmt::format("{} summaries published", service.published()); },
      settings.aggregate.listen, status);
}

int run_notify_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                     const std::string& data_dir) {
  AlarmOutbox outbox(outbox_path(data_dir, group), split_list(settings.notify.channels));
  NotifyService service(bus, outbox, make_channels(settings, data_dir), notify_options(settings, group));
  named_logger("notify")->info("outbox {}, channels {}", outbox.path(), settings.notify.channels);
  StatusSource status{[&](PrometheusText& out) { append_notify_metrics(out, service.counters(), outbox); },
                      [&] { return service.problem(); }};
  return run_one_stage(
      service, bus, stop, "notify",
      [&] {
        const auto& c = service.counters();
        return fmt::format("{} alarms received ({} duplicates), {} deliveries sent in {} messages, {} retried, {} dead",
                           c.received.load(), c.duplicates.load(), c.delivered.load(), c.messages.load(),
                           c.retries.load(), c.dead.load());
      },
      settings.notify.listen, status);
}

int run_dashboard_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                        const std::string& data_dir) {
  auto log = named_logger("dashboard");
  Settings current = settings;
  load_saved_thresholds(current, data_dir);
  ThresholdsStore thresholds(current.signals, bus, settings.topics.control, data_dir);
  std::unique_ptr<DashboardService> service;
  try {
    service = std::make_unique<DashboardService>(bus, dashboard_options(settings, group, data_dir, &thresholds));
  } catch (const std::invalid_argument& e) {
    log->error("{}", e.what());
    return 2;
  }
  if (auto error = service->start(); !error.empty()) {
    log->error("{}", error);
    return 1;
  }
  log->info("dashboard on {}/ (API under /api/, live feed on /ws, GET /healthz, /metrics)", service->url());
  return run_one_stage(
      *service, bus, stop, "dashboard",
      [&] {
        return fmt::format("{} records shown, {} frames sent to pages", service->counters().records.load(),
                           service->counters().batches_sent.load());
      },
      "off", {});
}

int run_all(const RunArgs& args, const Settings& settings, Bus& bus, StopSignal& stop) {
  auto log = named_logger("run");
  std::error_code ec;
  std::filesystem::create_directories(args.data_dir, ec);
  if (ec) {
    log->error("cannot create data dir {}: {}", args.data_dir, ec.message());
    return 1;
  }
  // Thresholds changed from the dashboard in an earlier run still hold.
  const Settings signal_settings = with_saved_thresholds(settings, args.data_dir, "run");
  // The notifier's outbox and channels first: they are what can fail to start.
  std::unique_ptr<AlarmOutbox> outbox;
  std::unique_ptr<NotifyService> notify;
  try {
    outbox = std::make_unique<AlarmOutbox>(outbox_path(args.data_dir, "notify"), split_list(settings.notify.channels));
    notify = std::make_unique<NotifyService>(bus, *outbox, make_channels(settings, args.data_dir),
                                             notify_options(settings, "notify"));
  } catch (const std::runtime_error& e) {
    log->error("{}", e.what());
    return 1;
  }

  // Ingest, exactly as `tickflow ingest` runs it. Its seq numbering continues across runs
  // (reservations in the data dir) even on the in-memory bus, so alarm ids, which carry the
  // seq, never repeat one the outbox already holds. The in-memory bus forgets what it holds
  // when the process ends, so there ingest also journals what it accepts (memory_resume.hpp).
  const bool in_memory = settings.bus.kind != "kafka";
  std::unique_ptr<IngestJournal> journal;
  std::unique_ptr<IngestServer> ingest_server;
  try {
    if (in_memory) journal = std::make_unique<IngestJournal>((std::filesystem::path(args.data_dir) / "ingest-journal.log").string());
    ingest_server = std::make_unique<IngestServer>(settings, bus, "",
                                                   (std::filesystem::path(args.data_dir) / "ingest-seq.sqlite").string(),
                                                   journal.get());
  } catch (const std::invalid_argument& e) {
    log->error("{}", e.what());
    return 2;
  } catch (const std::runtime_error& e) {
    log->error("{}", e.what());
    return 1;
  }

  // The stages checkpoint their state under the data dir and resume from it: over Kafka
  // after every batch, in memory whenever the pipeline is at rest (memory_resume.hpp).
  auto po = process_options(settings, "process", args.data_dir);
  auto so = signal_options(signal_settings, "signal", args.data_dir);
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  AggregateService aggregate(bus, aggregate_options(settings, "aggregate"));
  // The signal stage runs on the process stage's thread, each processed record handed
  // straight on: no wake-up between them in memory, no second trip through the broker over
  // Kafka (ProcessSignalChain). In memory nothing in the process reads processed records
  // (aggregate and the dashboard read signals): they are handed on, not published. Over
  // Kafka they are published as the separate `tickflow process` would, for whoever reads
  // them, and the checkpoint under the data dir covers both stages.
  ProcessSignalChain chain(bus, process, signal,
                           in_memory ? ProcessSignalChain::Processed::not_published : ProcessSignalChain::Processed::published,
                           in_memory ? ProcessSignalChain::Checkpoints::when_asked : ProcessSignalChain::Checkpoints::every_batch);
  std::jthread process_thread([&](std::stop_token t) { chain.run(t); });
  std::jthread aggregate_thread([&](std::stop_token t) { aggregate.run(t); });

  std::jthread notify_thread([&](std::stop_token t) { notify->run(t); });

  // The dashboard keeps its history under the data dir, so a restarted run still shows the past.
  ThresholdsStore thresholds(signal_settings.signals, bus, settings.topics.control, args.data_dir);
  std::unique_ptr<DashboardService> dashboard;
  try {
    dashboard = std::make_unique<DashboardService>(bus, dashboard_options(settings, "dashboard", args.data_dir, &thresholds));
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return 2;
  }
  if (auto error = dashboard->start(); !error.empty()) {
    log->error("dashboard: {}", error);
    return 1;
  }
  std::jthread dashboard_thread([&](std::stop_token t) { dashboard->run(t); });

  // Every stage runs: what ingest accepted before the last stop goes through them again,
  // then ingest opens.
  if (journal) replay_journal(*journal, bus, settings.topics.validated);
  if (auto error = ingest_server->start(); !error.empty()) {
    log->error("{}", error);
    return 1;
  }
  IngestHandler& ingest = ingest_server->handler();
  const std::string ingest_url = ingest_server->url();

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
  log->info("  dashboard: {}/", dashboard->url());
  log->info("  alarms:    {}  (outbox {})", notify_targets(settings, args.data_dir), outbox->path());
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
              "notified, {} summaries, lag {}",
              static_cast<double>(totals.accepted - last_in) / secs, totals.accepted, totals.rejected,
              chain.processed(), chain.processed(), signal.alarms(),
              notify->counters().delivered.load(), aggregate.published(), c.lag);
    last = now;
    last_in = totals.accepted;
    if (journal && journal->bytes() > 0) save_at_rest(*journal, bus, chain, std::chrono::milliseconds(500));
  }

  log->info("signal {}: stopping the generator, then ingest, then each stage after its batch", signal_number);
  generator_stop = true;
  if (generator_thread.joinable()) generator_thread.join();
  ingest_server->stop();
  // Let the stages catch up with what ingest took, briefly.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && bus.counters().lag > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // At rest, the state is saved and the journal emptied: the next start replays nothing.
  if (journal && journal->bytes() > 0 && !save_at_rest(*journal, bus, chain, std::chrono::seconds(5))) {
    log->warn("the pipeline did not come to rest: the next start goes through the last {} records again",
              journal->records());
  }
  process_thread.request_stop();
  aggregate_thread.request_stop();
  notify_thread.request_stop();
  dashboard_thread.request_stop();
  process_thread.join();
  aggregate_thread.join();
  notify_thread.join();
  dashboard_thread.join();
  std::size_t left = bus.flush(std::chrono::seconds(30));
  auto totals = ingest.totals();
  log->info("stopped: {} accepted, {} rejected, {} processed, {} alarms, {} alarm deliveries sent{}", totals.accepted,
            totals.rejected, chain.processed(), signal.alarms(), notify->counters().delivered.load(),
            left ? fmt::format(", {} NOT delivered", left) : std::string());
  return left == 0 ? 0 : 1;
}

}  // namespace tickflow
