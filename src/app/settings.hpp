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
};

struct KafkaSettings {
  std::string brokers = "127.0.0.1:9092";
  std::int64_t linger_ms = 1;
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
};

struct IngestSettings {
  std::string listen = "127.0.0.1:5000";
  std::int64_t threads = 1;
  std::int64_t max_body_bytes = 8 * 1024 * 1024;
  std::int64_t max_connections = 4096;
  std::int64_t header_timeout_ms = 10000;
  std::int64_t body_timeout_ms = 30000;
  std::int64_t idle_timeout_ms = 60000;
  std::int64_t publish_wait_ms = 50;
};

struct AggregateSettings {
  std::int64_t forward_ticks = 10;
  std::int64_t publish_every_ms = 1000;
};

struct Settings {
  IndicatorPeriods indicators;
  SignalRules signals;
  ValidationLimits validation;
  SimulatorConfig generate;
  BusSettings bus;
  KafkaSettings kafka;
  TopicNames topics;
  IngestSettings ingest;
  AggregateSettings aggregate;
};

}  // namespace tickflow
