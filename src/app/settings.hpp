// Everything configurable, as typed values. Filled from built-in defaults, then the TOML
// file, then command-line flags (see options.hpp for the one declaration of each).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/core/validation_limits.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/services/generate/simulator_config.hpp"
#include "src/signals/signal_rules.hpp"

namespace tickflow {

// Which bus the services talk over, and the in-memory bus's bounds.
struct BusSettings {
  std::string kind = "memory";  // memory | kafka
  std::int64_t memory_partitions = 4;
  std::int64_t memory_partition_capacity = 65536;
  std::int64_t memory_busy_poll_us = 100;
};

struct KafkaSettings {
  std::string brokers = "127.0.0.1:9092";
  std::int64_t linger_ms = 1;
  std::int64_t checkpoint_interval_ms = 100;
  std::string compression = "none";
  bool create_topics = true;
  std::int64_t topic_partitions = 4;
  std::int64_t replication_factor = 1;
  // Any other librdkafka setting, from `kafka.<librdkafka key>` in the file or
  // --kafka-setting KEY=VALUE; librdkafka checks them at start-up.
  std::vector<std::pair<std::string, std::string>> librdkafka;
};

// Topic names; the first three keep the original system's names.
struct TopicNames {
  std::string validated = "validated_data";
  std::string processed = "Processed_data";
  std::string alarms = "alarm_topic";
  std::string signals = "signals";
  std::string rejected = "rejected_data";
  std::string summary = "stock_summary";
  std::string notifications = "notifications";
  std::string control = "signal_control";
};

// What every HTTP server (ingest, dashboard) lets in: see src/net/access_guard.hpp.
struct HttpSettings {
  std::string allowed_hosts = "none";  // comma-separated Host names besides loopback names and IP addresses
  bool insecure = false;               // allow a non-loopback listen address without a token
  std::int64_t max_connections_per_address = 1024;
  std::int64_t max_websockets = 512;
  std::int64_t max_websockets_per_address = 256;
  std::int64_t websocket_queue_bytes = 8 * 1024 * 1024;
};

struct IngestSettings {
  std::string listen = "127.0.0.1:5000";
  std::string allowed_origins = "none";  // comma-separated web origins that may POST and open /ws
  std::int64_t threads = 1;
  std::int64_t max_body_bytes = 8 * 1024 * 1024;
  std::int64_t max_connections = 4096;
  std::int64_t header_timeout_ms = 10000;
  std::int64_t body_timeout_ms = 30000;
  std::int64_t idle_timeout_ms = 60000;
  std::int64_t publish_wait_ms = 50;
  std::int64_t ack_wait_ms = 10000;
};

// The operations port (GET /healthz, /metrics) of a stage run as its own process; "off": none.
struct StageSettings {
  std::string listen;
};

struct AggregateSettings {
  std::int64_t forward_ticks = 10;
  std::int64_t window_seconds = 300;
  std::int64_t window_max_records = 5000;
  std::int64_t publish_every_ms = 1000;
  std::string listen = "127.0.0.1:9103";
};

// Where alarms go (tickflow notify, and inside tickflow run). Secrets come only from the
// environment: TICKFLOW_SMTP_USER, TICKFLOW_SMTP_PASSWORD, TICKFLOW_WEBHOOK_SECRET.
struct NotifySettings {
  std::string listen = "127.0.0.1:9104";
  std::string channels = "file";  // comma-separated: smtp, file, webhook
  std::string file_dir = "mail";  // relative paths are under the data dir
  std::string smtp_url = "smtp://127.0.0.1:25";
  std::string smtp_security = "none";
  std::string smtp_from = "tickflow@localhost";
  std::string smtp_to = "trader@localhost";
  std::int64_t smtp_timeout_ms = 10000;
  std::string webhook_url = "http://127.0.0.1:9000/tickflow";
  std::string webhook_format = "tickflow";
  std::int64_t webhook_timeout_ms = 10000;
  std::string dashboard_url = "http://127.0.0.1:5678";
  std::int64_t max_attempts = 10;
  std::int64_t retry_initial_ms = 1000;
  std::int64_t retry_max_ms = 300000;
  bool dead_letter_permanent = true;
  std::int64_t digest_per_minute = 20;
  double digest_interval_seconds = 60;
  double keep_days = 30;
};

struct DashboardSettings {
  std::string listen = "127.0.0.1:5678";
  std::int64_t history_bars = 500;
  std::int64_t max_symbols = 1000;
  std::int64_t client_queue = 5000;
  std::string allowed_origins = "none";  // comma-separated, besides the page's own address
};

struct Settings {
  IndicatorPeriods indicators;
  SignalRules signals;
  ValidationLimits validation;
  SimulatorConfig generate;
  BusSettings bus;
  KafkaSettings kafka;
  TopicNames topics;
  HttpSettings http;
  IngestSettings ingest;
  StageSettings process{"127.0.0.1:9101"};
  StageSettings signal{"127.0.0.1:9102"};
  AggregateSettings aggregate;
  NotifySettings notify;
  DashboardSettings dashboard;
};

}  // namespace tickflow
