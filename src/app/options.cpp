#include "src/app/options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "src/core/json_writer.hpp"

namespace tickflow {

namespace {

template <typename Member>
OptionSpec int_option(std::string_view key, std::string_view help, std::int64_t def, double min, double max,
                      Member member) {
  return {key, help, def, min, max,
          [member](Settings& s, const OptionValue& v) {
            member(s) = static_cast<std::remove_reference_t<decltype(member(s))>>(std::get<std::int64_t>(v));
          },
          {}};
}

template <typename Member>
OptionSpec real_option(std::string_view key, std::string_view help, double def, double min, double max,
                       Member member) {
  return {key, help, def, min, max, [member](Settings& s, const OptionValue& v) { member(s) = std::get<double>(v); }, {}};
}

template <typename Member>
OptionSpec bool_option(std::string_view key, std::string_view help, bool def, Member member) {
  return {key, help, def, 0, 0, [member](Settings& s, const OptionValue& v) { member(s) = std::get<bool>(v); }, {}};
}

template <typename Member>
OptionSpec text_option(std::string_view key, std::string_view help, const std::string& def,
                       std::vector<std::string_view> choices, Member member) {
  return {key, help, def, 0, 0, [member](Settings& s, const OptionValue& v) { member(s) = std::get<std::string>(v); },
          std::move(choices)};
}

constexpr double big = 1e15;

std::vector<OptionSpec> make_specs() {
  const Settings d;  // the defaults live in the structs; the table repeats none of them by hand
  std::vector<OptionSpec> specs = {
      int_option("indicators.ma_period", "Simple moving average period (ticks); `ma` starts at this tick",
                 d.indicators.ma, 1, 100000, [](Settings& s) -> int& { return s.indicators.ma; }),
      int_option("indicators.ema_period", "Exponential moving average period; seeded with the SMA of the first n closes",
                 d.indicators.ema, 1, 100000, [](Settings& s) -> int& { return s.indicators.ema; }),
      int_option("indicators.rsi_period", "Wilder RSI period; `rsi` starts at tick n+1",
                 d.indicators.rsi, 2, 100000, [](Settings& s) -> int& { return s.indicators.rsi; }),

      bool_option("signals.rsi_enabled", "Use the RSI rule", d.signals.rsi_enabled,
                  [](Settings& s) -> bool& { return s.signals.rsi_enabled; }),
      real_option("signals.rsi_buy_below", "RSI at or below this is a buy", d.signals.rsi_buy_below, 0, 100,
                  [](Settings& s) -> double& { return s.signals.rsi_buy_below; }),
      real_option("signals.rsi_sell_above", "RSI at or above this is a sell", d.signals.rsi_sell_above, 0, 100,
                  [](Settings& s) -> double& { return s.signals.rsi_sell_above; }),
      bool_option("signals.crossover_enabled", "Use the EMA/MA crossover rule (EMA crossing above MA is a buy)",
                  d.signals.crossover_enabled, [](Settings& s) -> bool& { return s.signals.crossover_enabled; }),
      bool_option("signals.news_enabled", "Use the news rule (sentiment_score x magnitude x news_type weight)",
                  d.signals.news_enabled, [](Settings& s) -> bool& { return s.signals.news_enabled; }),
      real_option("signals.news_threshold", "News score at or beyond +/- this is a buy / sell", d.signals.news_threshold,
                  0, 10, [](Settings& s) -> double& { return s.signals.news_threshold; }),
      bool_option("signals.orders_enabled", "Use the large-order rule", d.signals.orders_enabled,
                  [](Settings& s) -> bool& { return s.signals.orders_enabled; }),
      real_option("signals.large_order_notional", "An order of at least this price x quantity signals its side",
                  d.signals.large_order_notional, 0, big, [](Settings& s) -> double& { return s.signals.large_order_notional; }),
      bool_option("signals.valuation_enabled", "Use the P/E valuation rule", d.signals.valuation_enabled,
                  [](Settings& s) -> bool& { return s.signals.valuation_enabled; }),
      real_option("signals.pe_buy_below", "Positive P/E at or below this is a buy", d.signals.pe_buy_below, 0, big,
                  [](Settings& s) -> double& { return s.signals.pe_buy_below; }),
      real_option("signals.pe_sell_above", "P/E at or above this is a sell", d.signals.pe_sell_above, 0, big,
                  [](Settings& s) -> double& { return s.signals.pe_sell_above; }),
      bool_option("signals.macro_enabled", "Use the economic-indicator rule", d.signals.macro_enabled,
                  [](Settings& s) -> bool& { return s.signals.macro_enabled; }),
      text_option("signals.macro_indicator", "The economic indicator the macro rule reads (others are neutral)",
                  d.signals.macro_indicator, {}, [](Settings& s) -> std::string& { return s.signals.macro_indicator; }),
      real_option("signals.macro_buy_above", "Indicator value at or above this is a buy", d.signals.macro_buy_above,
                  -big, big, [](Settings& s) -> double& { return s.signals.macro_buy_above; }),
      real_option("signals.macro_sell_below", "Indicator value at or below this is a sell", d.signals.macro_sell_below,
                  -big, big, [](Settings& s) -> double& { return s.signals.macro_sell_below; }),
      real_option("signals.alarm_cooldown_seconds",
                  "After an alarm, the same symbol and rule raise no other for this many seconds of record time",
                  d.signals.alarm_cooldown_seconds, 0, big, [](Settings& s) -> double& { return s.signals.alarm_cooldown_seconds; }),

      int_option("validation.max_record_bytes", "Largest accepted JSON record, in bytes",
                 static_cast<std::int64_t>(d.validation.max_record_bytes), 256, 16 << 20,
                 [](Settings& s) -> std::size_t& { return s.validation.max_record_bytes; }),
      int_option("validation.max_depth", "Deepest JSON nesting accepted inside pass-through fields",
                 static_cast<std::int64_t>(d.validation.max_depth), 1, 256,
                 [](Settings& s) -> std::size_t& { return s.validation.max_depth; }),
      int_option("validation.max_string_bytes", "Longest accepted string field (headline, indicator_name, ...)",
                 static_cast<std::int64_t>(d.validation.max_string_bytes), 16, 1 << 20,
                 [](Settings& s) -> std::size_t& { return s.validation.max_string_bytes; }),
      real_option("validation.max_price",
                  "Highest accepted price (OHLC, order price); far above any market, far below overflow in indicator sums",
                  d.validation.max_price, 1, 1e300, [](Settings& s) -> double& { return s.validation.max_price; }),
      real_option("validation.max_quantity", "Highest accepted order quantity", d.validation.max_quantity, 1, 1e300,
                  [](Settings& s) -> double& { return s.validation.max_quantity; }),
      int_option("validation.max_symbols", "Distinct symbols (and indicator names) the pipeline keeps state for; records of new ones past this go to rejected_data",
                 static_cast<std::int64_t>(d.validation.max_symbols), 1, 100000000,
                 [](Settings& s) -> std::size_t& { return s.validation.max_symbols; }),
      int_option("validation.max_extra_fields", "Most members a record may carry that the schema does not define",
                 static_cast<std::int64_t>(d.validation.max_extra_fields), 0, 1024,
                 [](Settings& s) -> std::size_t& { return s.validation.max_extra_fields; }),
      int_option("validation.max_extra_bytes", "Most bytes those members may take in total",
                 static_cast<std::int64_t>(d.validation.max_extra_bytes), 0, 16 << 20,
                 [](Settings& s) -> std::size_t& { return s.validation.max_extra_bytes; }),
      real_option("validation.min_timestamp", "Earliest accepted timestamp (Unix seconds; default 1980-01-01)",
                  d.validation.min_timestamp, 0, big, [](Settings& s) -> double& { return s.validation.min_timestamp; }),
      real_option("validation.max_future_seconds", "How far after now a timestamp may be",
                  d.validation.max_future_seconds, 0, big, [](Settings& s) -> double& { return s.validation.max_future_seconds; }),

      real_option("generate.mu", "Drift per bar of the simulated prices (geometric Brownian motion)", d.generate.mu, -1,
                  1, [](Settings& s) -> double& { return s.generate.mu; }),
      real_option("generate.sigma", "Volatility per bar of the simulated prices", d.generate.sigma, 0, 1,
                  [](Settings& s) -> double& { return s.generate.sigma; }),
      real_option("generate.tick_share", "Fraction of generated records that are stock ticks (the rest: order book, "
                  "news, market data, economic indicators)", d.generate.tick_share, 0, 1,
                  [](Settings& s) -> double& { return s.generate.tick_share; }),
      real_option("generate.min_interval_seconds", "Shortest gap between generated records (record time)",
                  d.generate.min_interval_seconds, 0, 86400, [](Settings& s) -> double& { return s.generate.min_interval_seconds; }),
      real_option("generate.max_interval_seconds", "Longest gap between generated records (record time)",
                  d.generate.max_interval_seconds, 0, 86400, [](Settings& s) -> double& { return s.generate.max_interval_seconds; }),
      real_option("generate.start_timestamp", "Timestamp of the first record written to a file (default 2025-01-01)",
                  d.generate.start_timestamp, 0, big, [](Settings& s) -> double& { return s.generate.start_timestamp; }),
      int_option("generate.mean_volume", "Average volume of a simulated bar", d.generate.mean_volume, 0, 1e12,
                 [](Settings& s) -> std::int64_t& { return s.generate.mean_volume; }),

      text_option("bus.kind", "Transport between services: memory (one process) or kafka", d.bus.kind,
                  {"memory", "kafka"}, [](Settings& s) -> std::string& { return s.bus.kind; }),
      int_option("bus.memory_partitions", "Partitions per topic on the in-memory bus", d.bus.memory_partitions, 1, 256,
                 [](Settings& s) -> std::int64_t& { return s.bus.memory_partitions; }),
      int_option("bus.memory_partition_capacity",
                 "Records one in-memory partition holds before publishers are pushed back (full / HTTP 503)",
                 d.bus.memory_partition_capacity, 16, 1e8,
                 [](Settings& s) -> std::int64_t& { return s.bus.memory_partition_capacity; }),
      int_option("bus.memory_busy_poll_us",
                 "How long the process stage watches for the next tick on the in-memory bus before it sleeps, while "
                 "ticks come at least that often: a steadier tick → signal latency from ~10k ticks/s up, for up to "
                 "one core's time while they do (0: sleep after 5 µs, as other consumers do)",
                 d.bus.memory_busy_poll_us, 0, 10000,
                 [](Settings& s) -> std::int64_t& { return s.bus.memory_busy_poll_us; }),

      text_option("kafka.brokers", "Kafka bootstrap servers, host:port[,host:port...]", d.kafka.brokers, {},
                  [](Settings& s) -> std::string& { return s.kafka.brokers; }),
      int_option("kafka.linger_ms", "Producer batching delay in ms: low for latency, higher for throughput",
                 d.kafka.linger_ms, 0, 60000, [](Settings& s) -> std::int64_t& { return s.kafka.linger_ms; }),
      int_option("kafka.checkpoint_interval_ms",
                 "Least time between a stage's checkpoints over Kafka (outputs acknowledged, state saved, input "
                 "committed); records are handled meanwhile. Longer: fewer commits, more records redone after a crash",
                 d.kafka.checkpoint_interval_ms, 0, 600000,
                 [](Settings& s) -> std::int64_t& { return s.kafka.checkpoint_interval_ms; }),
      text_option("kafka.compression",
                  "Producer compression: lz4 cuts what a broker allocates per record by ~40%, so its collector pauses "
                  "less often (p99 at 100k records/s); none saves ~0.2 ms per trip at low rates",
                  d.kafka.compression,
                  {"none", "gzip", "snappy", "lz4", "zstd"}, [](Settings& s) -> std::string& { return s.kafka.compression; }),
      bool_option("kafka.create_topics", "Create missing topics on start", d.kafka.create_topics,
                  [](Settings& s) -> bool& { return s.kafka.create_topics; }),
      int_option("kafka.topic_partitions",
                 "Partitions of topics tickflow creates (records are keyed by symbol): the most instances of a stage "
                 "that can share a topic; each partition is a stream of produce requests the broker pays for "
                 "(on one small machine 1 halves its CPU: docs/bus.md)",
                 d.kafka.topic_partitions, 1, 10000, [](Settings& s) -> std::int64_t& { return s.kafka.topic_partitions; }),
      int_option("kafka.replication_factor", "Replicas of topics tickflow creates", d.kafka.replication_factor, 1, 16,
                 [](Settings& s) -> std::int64_t& { return s.kafka.replication_factor; }),

      text_option("http.allowed_hosts",
                  "Host names the ingest and dashboard servers answer to besides loopback names, IP addresses and "
                  "their listen address, comma-separated (none); any other Host gets 403 (DNS rebinding)",
                  d.http.allowed_hosts, {}, [](Settings& s) -> std::string& { return s.http.allowed_hosts; }),
      bool_option("http.insecure",
                  "Serve ingest or the dashboard on a non-loopback address without a token (refused otherwise); "
                  "anyone who can reach the port can then send data or change thresholds",
                  d.http.insecure, [](Settings& s) -> bool& { return s.http.insecure; }),
      int_option("http.max_connections_per_address",
                 "Connections one client address may hold (at most half a server's connections); more are closed at once, so one client cannot take every place",
                 d.http.max_connections_per_address, 1, 1000000,
                 [](Settings& s) -> std::int64_t& { return s.http.max_connections_per_address; }),
      int_option("http.max_websockets", "WebSocket connections at most per server; past it upgrades get 503",
                 d.http.max_websockets, 1, 1000000, [](Settings& s) -> std::int64_t& { return s.http.max_websockets; }),
      int_option("http.max_websockets_per_address",
                 "WebSocket connections one client address may hold (at most half of http.max_websockets)",
                 d.http.max_websockets_per_address, 1, 1000000,
                 [](Settings& s) -> std::int64_t& { return s.http.max_websockets_per_address; }),
      int_option("http.websocket_queue_bytes",
                 "Bytes waiting to be sent to one WebSocket client before it is closed with 1008 (it does not read)",
                 d.http.websocket_queue_bytes, 65536, 1 << 30,
                 [](Settings& s) -> std::int64_t& { return s.http.websocket_queue_bytes; }),

      text_option("ingest.listen", "Address and port of the ingest HTTP server (POST /ingest)", d.ingest.listen, {},
                  [](Settings& s) -> std::string& { return s.ingest.listen; }),
      text_option("ingest.allowed_origins",
                  "Web origins whose pages may POST /ingest and open /ws, comma-separated (none: requests that carry an "
                  "Origin must come from ingest's own; scripts send none)",
                  d.ingest.allowed_origins, {}, [](Settings& s) -> std::string& { return s.ingest.allowed_origins; }),
      int_option("ingest.threads", "HTTP I/O threads; connections are given to them in turn, each served by one",
                 d.ingest.threads, 1, 64, [](Settings& s) -> std::int64_t& { return s.ingest.threads; }),
      int_option("ingest.max_body_bytes", "Largest request body; larger gets 413", d.ingest.max_body_bytes, 1024, 1 << 30,
                 [](Settings& s) -> std::int64_t& { return s.ingest.max_body_bytes; }),
      int_option("ingest.max_connections", "Open connections at most; more are closed at once (see also http.*)", d.ingest.max_connections,
                 1, 1000000, [](Settings& s) -> std::int64_t& { return s.ingest.max_connections; }),
      int_option("ingest.header_timeout_ms",
                 "Each request's header must arrive within this, kept-alive ones too (cuts off slow clients)",
                 d.ingest.header_timeout_ms, 100, 3600000, [](Settings& s) -> std::int64_t& { return s.ingest.header_timeout_ms; }),
      int_option("ingest.body_timeout_ms", "Then its body within this", d.ingest.body_timeout_ms, 100, 3600000,
                 [](Settings& s) -> std::int64_t& { return s.ingest.body_timeout_ms; }),
      int_option("ingest.idle_timeout_ms", "A kept-alive connection may wait this long for its next request to start",
                 d.ingest.idle_timeout_ms, 100, 3600000, [](Settings& s) -> std::int64_t& { return s.ingest.idle_timeout_ms; }),
      int_option("ingest.publish_wait_ms", "How long to wait for room on a full bus before answering 503",
                 d.ingest.publish_wait_ms, 0, 60000, [](Settings& s) -> std::int64_t& { return s.ingest.publish_wait_ms; }),
      int_option("ingest.ack_wait_ms", "How long a request waits for the bus to acknowledge its records before answering (503 after that); 0: answer once queued, faster, but a crash of ingest loses records already answered as accepted",
                 d.ingest.ack_wait_ms, 0, 600000, [](Settings& s) -> std::int64_t& { return s.ingest.ack_wait_ms; }),

      text_option("process.listen", "Operations port of `tickflow process` run alone: GET /healthz, GET /metrics (off: none)",
                  d.process.listen, {}, [](Settings& s) -> std::string& { return s.process.listen; }),
      text_option("signal.listen", "Operations port of `tickflow signal` run alone: GET /healthz, GET /metrics (off: none)",
                  d.signal.listen, {}, [](Settings& s) -> std::string& { return s.signal.listen; }),
      text_option("aggregate.listen", "Operations port of `tickflow aggregate` run alone: GET /healthz, GET /metrics (off: none)",
                  d.aggregate.listen, {}, [](Settings& s) -> std::string& { return s.aggregate.listen; }),
      int_option("aggregate.forward_ticks", "A signal's result is the price change over this many ticks after it",
                 d.aggregate.forward_ticks, 1, 100000, [](Settings& s) -> std::int64_t& { return s.aggregate.forward_ticks; }),
      int_option("aggregate.window_seconds", "The summaries' rolling window: the same figures over this many seconds of record time before each stock's latest record",
                 d.aggregate.window_seconds, 1, 86400 * 7, [](Settings& s) -> std::int64_t& { return s.aggregate.window_seconds; }),
      int_option("aggregate.window_max_records", "Records a stock's rolling window holds at most (memory bound at high tick rates; the window's from_ts shows where it starts)",
                 d.aggregate.window_max_records, 10, 1000000,
                 [](Settings& s) -> std::int64_t& { return s.aggregate.window_max_records; }),
      int_option("aggregate.publish_every_ms", "How often changed per-stock summaries are published",
                 d.aggregate.publish_every_ms, 50, 3600000,
                 [](Settings& s) -> std::int64_t& { return s.aggregate.publish_every_ms; }),

      text_option("notify.listen", "Operations port of `tickflow notify` run alone: GET /healthz, GET /metrics (off: none)",
                  d.notify.listen, {}, [](Settings& s) -> std::string& { return s.notify.listen; }),
      text_option("notify.channels", "Where alarms go, comma-separated: file (.eml files), smtp (e-mail), webhook",
                  d.notify.channels, {}, [](Settings& s) -> std::string& { return s.notify.channels; }),
      text_option("notify.file_dir", "Folder of the file channel's .eml files (maildir layout; relative: under the data dir)",
                  d.notify.file_dir, {}, [](Settings& s) -> std::string& { return s.notify.file_dir; }),
      text_option("notify.smtp_url", "Mail server, smtp://host:port (smtps://host:port for implicit TLS); login from "
                  "TICKFLOW_SMTP_USER and TICKFLOW_SMTP_PASSWORD", d.notify.smtp_url, {},
                  [](Settings& s) -> std::string& { return s.notify.smtp_url; }),
      text_option("notify.smtp_security", "none, starttls (required, e.g. port 587) or tls (implicit, port 465)",
                  d.notify.smtp_security, {"none", "starttls", "tls"},
                  [](Settings& s) -> std::string& { return s.notify.smtp_security; }),
      text_option("notify.smtp_from", "From address, e.g. \"tickflow <alerts@example.com>\"", d.notify.smtp_from, {},
                  [](Settings& s) -> std::string& { return s.notify.smtp_from; }),
      text_option("notify.smtp_to", "Recipients, comma-separated", d.notify.smtp_to, {},
                  [](Settings& s) -> std::string& { return s.notify.smtp_to; }),
      int_option("notify.smtp_timeout_ms", "Give up on one SMTP send after this long (then retry later)",
                 d.notify.smtp_timeout_ms, 100, 600000, [](Settings& s) -> std::int64_t& { return s.notify.smtp_timeout_ms; }),
      text_option("notify.webhook_url", "Where the webhook channel POSTs (HMAC-signed when TICKFLOW_WEBHOOK_SECRET is set)",
                  d.notify.webhook_url, {}, [](Settings& s) -> std::string& { return s.notify.webhook_url; }),
      text_option("notify.webhook_format", "Body of the webhook: tickflow (alarms as JSON), slack or discord",
                  d.notify.webhook_format, {"tickflow", "slack", "discord"},
                  [](Settings& s) -> std::string& { return s.notify.webhook_format; }),
      int_option("notify.webhook_timeout_ms", "Give up on one webhook POST after this long (then retry later)",
                 d.notify.webhook_timeout_ms, 100, 600000,
                 [](Settings& s) -> std::int64_t& { return s.notify.webhook_timeout_ms; }),
      text_option("notify.dashboard_url", "The dashboard address that mails link to", d.notify.dashboard_url, {},
                  [](Settings& s) -> std::string& { return s.notify.dashboard_url; }),
      int_option("notify.max_attempts", "Failed attempts before a delivery is dead-lettered", d.notify.max_attempts, 1,
                 1000, [](Settings& s) -> std::int64_t& { return s.notify.max_attempts; }),
      int_option("notify.retry_initial_ms", "Wait before the first retry; doubles per attempt, with jitter",
                 d.notify.retry_initial_ms, 1, 86400000, [](Settings& s) -> std::int64_t& { return s.notify.retry_initial_ms; }),
      int_option("notify.retry_max_ms", "Longest wait between retries", d.notify.retry_max_ms, 1, 86400000,
                 [](Settings& s) -> std::int64_t& { return s.notify.retry_max_ms; }),
      bool_option("notify.dead_letter_permanent",
                  "Dead-letter at once on a permanent refusal (SMTP 5xx, HTTP 4xx); false: retry those too",
                  d.notify.dead_letter_permanent, [](Settings& s) -> bool& { return s.notify.dead_letter_permanent; }),
      int_option("notify.digest_per_minute",
                 "Mails per channel per minute; past it, due alarms go out together as one digest (0: never)",
                 d.notify.digest_per_minute, 0, 1000000, [](Settings& s) -> std::int64_t& { return s.notify.digest_per_minute; }),
      real_option("notify.digest_interval_seconds", "During a burst, one digest at most this often",
                  d.notify.digest_interval_seconds, 0, 86400,
                  [](Settings& s) -> double& { return s.notify.digest_interval_seconds; }),
      real_option("notify.keep_days",
                  "Ids of sent alarms from other sources than the signal stage are remembered this long, so a replay "
                  "is not resent (the signal stage's are recognised by their seq, and forgotten once sent)",
                  d.notify.keep_days, 0.001, 36500, [](Settings& s) -> double& { return s.notify.keep_days; }),

      text_option("dashboard.listen", "Address and port of the dashboard (the page, /api/*, WebSocket /ws)",
                  d.dashboard.listen, {}, [](Settings& s) -> std::string& { return s.dashboard.listen; }),
      int_option("dashboard.history_bars", "Bars per symbol the dashboard keeps and sends a new page",
                 d.dashboard.history_bars, 10, 100000, [](Settings& s) -> std::int64_t& { return s.dashboard.history_bars; }),
      int_option("dashboard.max_symbols", "Symbols the dashboard tracks at most; records of others are counted and ignored",
                 d.dashboard.max_symbols, 1, 1000000, [](Settings& s) -> std::int64_t& { return s.dashboard.max_symbols; }),
      int_option("dashboard.client_queue",
                 "Alarms, signals and other never-dropped messages a page may lag behind before it is resynced",
                 d.dashboard.client_queue, 10, 10000000, [](Settings& s) -> std::int64_t& { return s.dashboard.client_queue; }),
      text_option("dashboard.allowed_origins",
                  "Other web origins allowed to open the live feed, comma-separated (none: only the dashboard's own)",
                  d.dashboard.allowed_origins, {}, [](Settings& s) -> std::string& { return s.dashboard.allowed_origins; }),

      text_option("topics.validated", "Records that passed validation (ingest → process)", d.topics.validated, {},
                  [](Settings& s) -> std::string& { return s.topics.validated; }),
      text_option("topics.processed", "Records with indicators (process → signal, aggregate, dashboard)",
                  d.topics.processed, {}, [](Settings& s) -> std::string& { return s.topics.processed; }),
      text_option("topics.alarms", "Buy/sell alarms (signal → notify, dashboard)", d.topics.alarms, {},
                  [](Settings& s) -> std::string& { return s.topics.alarms; }),
      text_option("topics.signals", "Every record with its signal", d.topics.signals, {},
                  [](Settings& s) -> std::string& { return s.topics.signals; }),
      text_option("topics.rejected", "Rejected input with the field and reason", d.topics.rejected, {},
                  [](Settings& s) -> std::string& { return s.topics.rejected; }),
      text_option("topics.summary", "Per-stock summaries (aggregate → dashboard)", d.topics.summary, {},
                  [](Settings& s) -> std::string& { return s.topics.summary; }),
      text_option("topics.notifications", "Outcome of each alarm delivery (notify → dashboard)", d.topics.notifications,
                  {}, [](Settings& s) -> std::string& { return s.topics.notifications; }),
      text_option("topics.control", "Threshold changes from the dashboard (dashboard → signal)", d.topics.control, {},
                  [](Settings& s) -> std::string& { return s.topics.control; }),
  };
  return specs;
}

}  // namespace

std::span<const OptionSpec> option_specs() {
  static const std::vector<OptionSpec> specs = make_specs();
  return specs;
}

const OptionSpec* find_option(std::string_view key) {
  for (const auto& spec : option_specs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string_view option_type_name(const OptionValue& value) {
  switch (value.index()) {
    case 0: return "true or false";
    case 1: return "a whole number";
    case 2: return "a number";
    default: return "a string";
  }
}

std::string format_option_value(const OptionValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value) ? "true" : "false";
    case 1: return std::to_string(std::get<std::int64_t>(value));
    case 2: {
      double d = std::get<double>(value);
      std::string s = json::format_number(d);
      // Keep TOML floats floats: 30 would read back as an integer.
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    default: {
      std::string s;
      json::append_string(s, std::get<std::string>(value));
      return s;
    }
  }
}

void check_option_value(const OptionSpec& spec, const OptionValue& value) {
  if (value.index() != spec.default_value.index()) {
    throw ConfigError(fmt::format("{}: expected {}, got {}", spec.key, option_type_name(spec.default_value),
                                  option_type_name(value)));
  }
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (text->empty()) throw ConfigError(fmt::format("{}: must not be empty", spec.key));
    if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), *text) == spec.choices.end()) {
      throw ConfigError(fmt::format("{}: '{}' is not one of {}", spec.key, *text, fmt::join(spec.choices, ", ")));
    }
    return;
  }
  double n = 0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) n = static_cast<double>(*i);
  else if (const auto* d = std::get_if<double>(&value)) n = *d;
  else return;
  if (!std::isfinite(n) || n < spec.min || n > spec.max) {
    throw ConfigError(fmt::format("{}: {} is out of range; allowed {} to {}", spec.key, format_option_value(value),
                                  json::format_number(spec.min), json::format_number(spec.max)));
  }
}

OptionValue parse_option_text(const OptionSpec& spec, std::string_view text) {
  auto bad = [&] {
    return ConfigError(fmt::format("--{}: expected {}, got '{}'", spec.key, option_type_name(spec.default_value), text));
  };
  OptionValue value;
  switch (spec.default_value.index()) {
    case 0:
      if (text == "true" || text == "1" || text == "on") value = true;
      else if (text == "false" || text == "0" || text == "off") value = false;
      else throw bad();
      break;
    case 1: {
      std::int64_t i = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec != std::errc{} || end != text.data() + text.size()) throw bad();
      value = i;
      break;
    }
    case 2: {
      double d = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec != std::errc{} || end != text.data() + text.size()) throw bad();
      value = d;
      break;
    }
    default: value = std::string(text);
  }
  check_option_value(spec, value);
  return value;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

std::optional<std::string_view> librdkafka_key(std::string_view key) {
  constexpr std::string_view prefix = "kafka.";
  if (key.substr(0, prefix.size()) != prefix || find_option(key) != nullptr) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  if (rest.empty()) return std::nullopt;
  return rest;
}

void check_settings(const Settings& s) {
  if (s.signals.rsi_buy_below >= s.signals.rsi_sell_above) {
    throw ConfigError(fmt::format("signals.rsi_buy_below ({}) must be below signals.rsi_sell_above ({})",
                                  s.signals.rsi_buy_below, s.signals.rsi_sell_above));
  }
  if (s.signals.pe_buy_below >= s.signals.pe_sell_above) {
    throw ConfigError(fmt::format("signals.pe_buy_below ({}) must be below signals.pe_sell_above ({})",
                                  s.signals.pe_buy_below, s.signals.pe_sell_above));
  }
  if (s.signals.macro_sell_below >= s.signals.macro_buy_above) {
    throw ConfigError(fmt::format("signals.macro_sell_below ({}) must be below signals.macro_buy_above ({})",
                                  s.signals.macro_sell_below, s.signals.macro_buy_above));
  }
  for (auto channel : split_list(s.notify.channels)) {
    if (channel != "file" && channel != "smtp" && channel != "webhook") {
      throw ConfigError(fmt::format("notify.channels: '{}' is not one of file, smtp, webhook", channel));
    }
  }
  if (split_list(s.notify.smtp_to).empty()) throw ConfigError("notify.smtp_to: needs at least one address");
  for (const auto* text : {&s.notify.smtp_from, &s.notify.smtp_to}) {
    if (text->find_first_of("\r\n") != std::string::npos) {
      throw ConfigError(fmt::format("notify.smtp_{}: must be one line", text == &s.notify.smtp_from ? "from" : "to"));
    }
  }
  if (s.notify.retry_initial_ms > s.notify.retry_max_ms) {
    throw ConfigError(fmt::format("notify.retry_initial_ms ({}) must not exceed notify.retry_max_ms ({})",
                                  s.notify.retry_initial_ms, s.notify.retry_max_ms));
  }
  if (s.generate.min_interval_seconds > s.generate.max_interval_seconds) {
    throw ConfigError(fmt::format("generate.min_interval_seconds ({}) must not exceed generate.max_interval_seconds ({})",
                                  s.generate.min_interval_seconds, s.generate.max_interval_seconds));
  }
}

std::string default_config_toml() {
  std::string out =
      "# tickflow configuration: every option with its default.\n"
      "# Generated from src/app/options.cpp by `tickflow config defaults`; a test keeps them equal.\n"
      "# Any option can also be given on the command line as --<section>.<name> VALUE.\n";
  std::string_view section;
  for (const auto& spec : option_specs()) {
    auto dot = spec.key.find('.');
    std::string_view sec = spec.key.substr(0, dot);
    if (sec != section) {
      section = sec;
      out += fmt::format("\n[{}]\n", sec);
    }
    std::string range;
    if (spec.default_value.index() == 1 || spec.default_value.index() == 2) {
      range = fmt::format(" ({} to {})", json::format_number(spec.min), json::format_number(spec.max));
    } else if (!spec.choices.empty()) {
      range = fmt::format(" ({})", fmt::join(spec.choices, ", "));
    }
    out += fmt::format("# {}{}\n{} = {}\n", spec.help, range, spec.key.substr(dot + 1), format_option_value(spec.default_value));
    if (spec.key == "kafka.replication_factor") {
      out +=
          "# Any other librdkafka setting passes through as is (quote keys that contain dots), e.g.\n"
          "# \"security.protocol\" = \"SASL_SSL\"\n"
          "# \"socket.timeout.ms\" = 30000\n"
          "# On the command line: --kafka-setting socket.timeout.ms=30000\n"
          "# Passwords only from the environment: TICKFLOW_KAFKA_SASL_PASSWORD becomes sasl.password.\n";
    }
  }
  return out;
}

}  // namespace tickflow
