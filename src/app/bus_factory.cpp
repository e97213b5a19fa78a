#include "src/app/bus_factory.hpp"

#include <cstdlib>

#include "src/bus/memory_bus.hpp"

namespace tickflow {

KafkaBusOptions kafka_options(const KafkaSettings& k) {
  KafkaBusOptions o;
  o.brokers = k.brokers;
  o.linger_ms = static_cast<int>(k.linger_ms);
  o.compression = k.compression;
  o.create_topics = k.create_topics;
  o.topic_partitions = static_cast<int>(k.topic_partitions);
  o.replication_factor = static_cast<int>(k.replication_factor);
  o.settings = k.librdkafka;
  // Secrets come from the environment only, never from files or flags (which end up in
  // shell history and process lists).
  if (const char* password = std::getenv("TICKFLOW_KAFKA_SASL_PASSWORD"); password != nullptr && *password != '\0') {
    o.settings.emplace_back("sasl.password", password);
  }
  return o;
}

std::unique_ptr<Bus> make_bus(const Settings& s) {
  if (s.bus.kind == "kafka") return std::make_unique<KafkaBus>(kafka_options(s.kafka));
  return std::make_unique<MemoryBus>(MemoryBusOptions{static_cast<int>(s.bus.memory_partitions),
                                                      static_cast<std::size_t>(s.bus.memory_partition_capacity)});
}

}  // namespace tickflow
