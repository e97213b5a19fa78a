// Builds the bus the settings ask for: MemoryBus, or KafkaBus with every Kafka option (and
// sasl.password from TICKFLOW_KAFKA_SASL_PASSWORD). Start-up code: throws KafkaError when
// librdkafka refuses a setting.
#pragma once

#include <memory>

#include "src/app/settings.hpp"
#include "src/bus/bus.hpp"
#include "src/bus/kafka_bus.hpp"

namespace tickflow {

KafkaBusOptions kafka_options(const KafkaSettings& settings);
std::unique_ptr<Bus> make_bus(const Settings& settings);

}  // namespace tickflow
