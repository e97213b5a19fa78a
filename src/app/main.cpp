// tickflow's entry point: parses the command line and hands off to a service.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "src/app/command_line.hpp"
#include "src/app/options.hpp"
#include "src/core/symbol_rules.hpp"
#include "src/app/commands/broker_command.hpp"
#include "src/app/bus_factory.hpp"
#include "src/app/commands/notify_command.hpp"
#include "src/app/commands/run_command.hpp"
#include "src/app/commands/generate_command.hpp"
#include "src/app/commands/ingest_command.hpp"
#include "src/app/commands/replay_command.hpp"

namespace {
constexpr const char* version = "0.1.0";
constexpr int usage_error = 2;
}  // namespace

int main(int argc, char** argv) {
  using namespace tickflow;
  CLI::App app{"tickflow: a real-time market-data pipeline. Ticks in, validated, enriched with indicators "
               "(SMA, EMA, RSI), turned into buy/sell signals and alarms.",
               "tickflow"};
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  // The configuration flags (one per entry of the option table, about a hundred) go only
  // on the command being run, named first on the command line: CLI11 checks each option
  // added against those already on its command, and all of them on every command were
  // most of each start's cost. Other commands' --help
  // is asked for by naming them first, so it lists them as before.
  const std::string_view invoked = argc > 1 ? argv[1] : "";
  auto add_config = [invoked](ConfigFlags& flags, CLI::App* command) {
    if (invoked == command->get_name()) flags.add_to(*command);
  };

  ReplayArgs replay;
  ConfigFlags replay_config;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Validate, enrich and signal an NDJSON file, no network. One output line per accepted input line, in "
      "input order; each rejected line is reported with its line number, field and reason. Exit 0 when the "
      "file was processed, whatever was rejected.");
  replay_cmd->add_option("--in", replay.in, "Input NDJSON file, or - for stdin")->capture_default_str();
  replay_cmd->add_option("--out", replay.out, "Output NDJSON file, or - for stdout")->capture_default_str();
  replay_cmd->add_option("--rejected", replay.rejected, "Where rejected lines are reported as JSON lines [default: stderr]");
  replay_cmd->add_option("--alarms", replay.alarms, "Write alarms (buy/sell entries) here as JSON lines");
  replay_cmd->add_option("--now", replay.now, "Unix time used as 'now' for the future-timestamp check [default: the clock]");
  replay_cmd->add_flag("!--no-progress", replay.progress, "Do not print a progress line every 2 s");
  add_config(replay_config, replay_cmd);

  GenerateArgs generate;
  ConfigFlags generate_config;
  std::string symbols;
  auto* generate_cmd = app.add_subcommand(
      "generate",
      "Simulate a market (GBM price bars per symbol plus order book, news, market data and economic indicators) and "
      "send it to ingest over HTTP, or with --out write it as NDJSON, deterministically from --seed.");
  generate_cmd->add_option("--out", generate.out, "Write NDJSON to this file (- for stdout) instead of sending");
  generate_cmd->add_option("--url", generate.url, "Where to send")->capture_default_str();
  generate_cmd->add_option("--rate", generate.rate,
                           "Records per second in NDJSON batches over keep-alive [default: the original pacing, one "
                           "record every 1-5 s from each of two threads]")
      ->check(CLI::Range(0.0, 1e8));
  generate_cmd->add_option("--count", generate.count,
                           "Number of records [default: 1000 when writing a file, no limit when sending]")
      ->check(CLI::Range(0.0, 1e12));
  generate_cmd->add_option("--duration", generate.duration, "Stop sending after this many seconds")->check(CLI::Range(0.0, 1e9));
  generate_cmd->add_option("--seed", generate.seed, "Random seed; the same seed gives the same file")->capture_default_str();
  generate_cmd->add_option("--symbols", symbols, "Comma-separated symbols [default: AAPL,GOOGL,AMZN,MSFT,TSLA]");
  generate_cmd->add_flag("--ticks-only", generate.ticks_only, "Only stock ticks (no order book, news, ...) when writing a file");
  generate_cmd->add_option("--cpu", generate.cpu, "Pin the sending thread(s) to this core (the original pinned core 0)")
      ->check(CLI::Range(0, 4095));
  generate_cmd->add_option("--token", generate.token, "Bearer token for ingest (prefer TICKFLOW_INGEST_TOKEN)");
  add_config(generate_config, generate_cmd);

  IngestArgs ingest;
  ConfigFlags ingest_config;
  auto* ingest_cmd = app.add_subcommand(
      "ingest",
      "HTTP ingest on ingest.listen (default 127.0.0.1:5000): POST /ingest takes one JSON object, a JSON array or "
      "NDJSON; valid records go to the validated topic with seq and ingest_ts, rejected ones to the rejected topic "
      "and back to the client with field and reason. GET /healthz, GET /metrics.");
  ingest_cmd->add_option("--token", ingest.token,
                         "Require 'Authorization: Bearer TOKEN' on every request but GET /healthz; needed to listen "
                         "beyond loopback (prefer the TICKFLOW_INGEST_TOKEN environment variable: a flag shows in "
                         "process lists)");
  std::string ingest_listen;
  ingest_cmd->add_option("--listen", ingest_listen, "Same as --ingest.listen: HOST:PORT [default: 127.0.0.1:5000]");
  ingest_cmd->add_option("--data-dir", ingest.data_dir,
                         "Per-symbol seq reservations are kept here (ingest-seq.sqlite), so a restart continues the "
                         "numbering")
      ->capture_default_str();
  add_config(ingest_config, ingest_cmd);

  RunArgs run;
  ConfigFlags run_config;
  std::string generator_switch = "on";
  auto* run_cmd = app.add_subcommand(
      "run",
      "Everything in one process over the in-memory bus (or --bus.kind kafka): the generator sends to ingest on "
      "ingest.listen, process adds indicators and signal decides signals and alarms (on one thread, each processed "
      "record handed straight on), notify delivers each alarm through "
      "[notify] channels (default: .eml files in DATA_DIR/mail/new), aggregate summarises per stock. Prints where "
      "everything is and a status line every few seconds.");
  run_cmd->add_option("--generator", generator_switch, "on: simulate a market; off: data comes only from POST /ingest")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  run_cmd->add_option("--rate", run.rate, "Records/s the generator sends (0: the original 1-5 s pacing)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  run_cmd->add_option("--seed", run.seed, "Generator seed [default: from the clock]");
  run_cmd->add_option("--data-dir", run.data_dir, "Where state and output go")->capture_default_str();
  add_config(run_config, run_cmd);

  ConfigFlags process_config, signal_config;
  std::string process_group = "process", signal_group = "signal", process_signal_group = "signal";
  bool process_with_signal = false;
  std::string stage_data_dir = "var";
  auto* process_cmd = app.add_subcommand(
      "process", "validated_data → Processed_data: adds ma, ema, rsi per symbol, checkpointing per-symbol state in "
                 "--data-dir. Several in one consumer group split the symbols (Kafka); state is per instance, so "
                 "see docs/pipeline.md before scaling mid-stream. --with-signal: signal runs here too, chained.");
  process_cmd->add_option("--group", process_group, "Consumer group")->capture_default_str();
  process_cmd->add_option("--data-dir", stage_data_dir,
                          "Per-symbol state is checkpointed here (process-GROUP.sqlite; with --with-signal also "
                          "signal-SIGNAL_GROUP.sqlite)")
      ->capture_default_str();
  auto* with_signal_flag = process_cmd->add_flag(
      "--with-signal", process_with_signal,
      "Run the signal stage in this process too, on the same thread (as `tickflow run` does): each processed record "
      "goes straight on to it, so a tick crosses the broker once on its way to its signal instead of twice. "
      "Processed_data is still written. Run no `tickflow signal` on the same topics beside it.");
  process_cmd
      ->add_option("--signal-group", process_signal_group,
                   "With --with-signal: the signal stage's group and checkpoint (signal-SIGNAL_GROUP.sqlite in "
                   "--data-dir); the group a `tickflow signal` used before, so that switching loses nothing")
      ->capture_default_str()
      ->needs(with_signal_flag);
  add_config(process_config, process_cmd);
  auto* signal_cmd = app.add_subcommand(
      "signal", "Processed_data → signals (every record with its signal and reason) and alarm_topic (buy/sell "
                "alarms). Own process.");
  signal_cmd->add_option("--group", signal_group, "Consumer group")->capture_default_str();
  signal_cmd->add_option("--data-dir", stage_data_dir, "Per-key state is checkpointed here (signal-GROUP.sqlite)")
      ->capture_default_str();
  add_config(signal_config, signal_cmd);

  ConfigFlags aggregate_config;
  std::string aggregate_group = "aggregate";
  auto* aggregate_cmd = app.add_subcommand(
      "aggregate", "signals → stock_summary: per-stock figures (change, VWAP, volatility, drawdown, signal counts, how "
                   "buy and sell signals did over the next N ticks), published when they change. Own process.");
  aggregate_cmd->add_option("--group", aggregate_group, "Consumer group")->capture_default_str();
  add_config(aggregate_config, aggregate_cmd);

  ConfigFlags notify_config;
  NotifyArgs notify;
  auto* notify_cmd = app.add_subcommand(
      "notify",
      "alarm_topic → e-mail (smtp), .eml files (file) and/or a webhook, as [notify] channels says. Each alarm is first "
      "written to a durable outbox (DATA_DIR/notify-GROUP.sqlite) and only then acknowledged on the bus; failed sends "
      "are retried with backoff, then dead-lettered. Logins and secrets only from the environment: "
      "TICKFLOW_SMTP_USER, TICKFLOW_SMTP_PASSWORD, TICKFLOW_WEBHOOK_SECRET.");
  notify_cmd->add_option("--group", notify.group, "Consumer group (and outbox name)")->capture_default_str();
  notify_cmd->add_option("--data-dir", notify.data_dir, "Where the outbox (and the file channel's mail) lives")
      ->capture_default_str();
  notify_cmd->add_flag("--list-failed", notify.list_failed, "Print dead-lettered deliveries with their last error, and exit");
  notify_cmd->add_option("--retry-failed", notify.retry_channel,
                         "Queue dead-lettered deliveries again (of CHANNEL only, if given), and exit")
      ->expected(0, 1)
      ->each([&](const std::string&) { notify.retry_failed = true; })
      ->check(CLI::IsMember({"", "smtp", "file", "webhook"}));
  notify_cmd->get_option("--retry-failed")->default_str("");
  add_config(notify_config, notify_cmd);

  ConfigFlags dashboard_config;
  std::string dashboard_group = "dashboard", dashboard_data_dir = "var";
  auto* dashboard_cmd = app.add_subcommand(
      "dashboard",
      "The live dashboard on dashboard.listen (default http://127.0.0.1:5678): a chart per stock with its signals, "
      "alarms, notifications and summaries, from signals, alarm_topic, notifications and stock_summary. REST API "
      "under /api/, live feed on WebSocket /ws. TICKFLOW_DASHBOARD_TOKEN, when set, guards everything but /healthz: "
      "the page asks for it once and keeps it in an HttpOnly cookie.");
  dashboard_cmd->add_option("--group", dashboard_group, "Consumer group (and history name)")->capture_default_str();
  dashboard_cmd->add_option("--data-dir", dashboard_data_dir, "Where the history lives (dashboard-GROUP.sqlite)")
      ->capture_default_str();
  add_config(dashboard_config, dashboard_cmd);

  BrokerArgs broker;
  auto* broker_cmd = app.add_subcommand(
      "broker",
      "Serve the Kafka protocol from librdkafka's built-in mock cluster (in memory, random loopback port): "
      "a stand-in where scripts/kafka cannot run the real Apache Kafka broker.");
  broker_cmd->add_option("--count", broker.brokers, "Number of mock brokers")->capture_default_str()->check(CLI::Range(1, 9));
  broker_cmd->add_option("--address-file", broker.address_file, "Write the bootstrap address to this file");

  auto* config_cmd = app.add_subcommand("config", "Show or check configuration");
  config_cmd->require_subcommand(1);
  auto* defaults_cmd = config_cmd->add_subcommand("defaults", "Print every option with its default as TOML");
  std::string check_path;
  auto* check_cmd = config_cmd->add_subcommand("check", "Check a config file and report the first problem");
  check_cmd->add_option("FILE", check_path, "TOML file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return usage_error;
  }

  try {
    if (*replay_cmd) return run_replay(replay, replay_config.resolve());
    if (*generate_cmd) {
      if (!symbols.empty()) {
        std::string item;
        for (std::size_t i = 0; i <= symbols.size(); ++i) {
          if (i == symbols.size() || symbols[i] == ',') {
            if (auto problem = symbol_problem(item)) throw ConfigError(fmt::format("--symbols: '{}' {}", item, *problem));
            generate.symbols.push_back(item);
            item.clear();
          } else {
            item += symbols[i];
          }
        }
      }
      if (!generate.out.empty()) return run_generate(generate, generate_config.resolve());
      return run_generate_http(generate, generate_config.resolve());
    }
    if (*broker_cmd) return run_broker(broker);
    if (*notify_cmd && (notify.list_failed || notify_cmd->count("--retry-failed") > 0)) {
      Settings settings = notify_config.resolve();
      return notify.list_failed ? list_failed_deliveries(notify, settings) : retry_failed_deliveries(notify, settings);
    }
    if (*run_cmd || *process_cmd || *signal_cmd || *aggregate_cmd || *notify_cmd || *dashboard_cmd) {
      StopSignal stop;  // before the bus starts any thread
      ConfigFlags& flags = *run_cmd       ? run_config
                           : *process_cmd ? process_config
                           : *signal_cmd  ? signal_config
                           : *notify_cmd  ? notify_config
                           : *dashboard_cmd ? dashboard_config
                                          : aggregate_config;
      Settings settings = flags.resolve();
      auto bus = make_bus(settings);
      if (*process_cmd && process_with_signal) {
        return run_chained_stages(settings, *bus, stop, process_group, process_signal_group, stage_data_dir);
      }
      if (*process_cmd) return run_process_stage(settings, *bus, stop, process_group, stage_data_dir);
      if (*signal_cmd) return run_signal_stage(settings, *bus, stop, signal_group, stage_data_dir);
      if (*aggregate_cmd) return run_aggregate_stage(settings, *bus, stop, aggregate_group);
      if (*notify_cmd) return run_notify_stage(settings, *bus, stop, notify.group, notify.data_dir);
      if (*dashboard_cmd) return run_dashboard_stage(settings, *bus, stop, dashboard_group, dashboard_data_dir);
      run.generator = generator_switch == "on";
      return run_all(run, settings, *bus, stop);
    }
    if (*ingest_cmd) {
      StopSignal stop;  // before the bus starts any thread
      Settings settings = ingest_config.resolve();
      if (!ingest_listen.empty()) settings.ingest.listen = ingest_listen;
      auto bus = make_bus(settings);
      return run_ingest(ingest, settings, *bus, stop);
    }
    if (*defaults_cmd) {
      fmt::print("{}", default_config_toml());
      return 0;
    }
    if (*check_cmd) {
      ConfigFlags flags;
      CLI::App probe;
      flags.add_to(probe);
      std::vector<std::string> args = {"--config", check_path};
      probe.parse(std::vector<std::string>(args.rbegin(), args.rend()));
      flags.resolve();
      fmt::print("{}: ok\n", check_path);
      return 0;
    }
  } catch (const ConfigError& e) {
    fmt::print(stderr, "tickflow: {}\n", e.what());
    return usage_error;
  } catch (const KafkaError& e) {
    fmt::print(stderr, "tickflow: {}\n", e.what());
    return usage_error;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "tickflow: {}\n", e.what());
    return usage_error;
  } catch (const std::runtime_error& e) {  // start-up failures: state store, listen, ...
    fmt::print(stderr, "tickflow: {}\n", e.what());
    return 1;
  }
  return usage_error;
}
