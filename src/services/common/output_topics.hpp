// What every service does before it reads: make sure the topics it writes exist
// (Bus::ensure_topics), so that its first record on one does not wait while the topic is
// created — over Kafka a stall of 30–50 ms for every stage sharing the broker.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/bus/bus.hpp"

namespace tickflow {

// A failure is logged under `service` and the service goes on: its first publish to a
// missing topic then creates it, as before.
void ensure_output_topics(Bus& bus, const std::vector<std::string>& topics, std::string_view service);

}  // namespace tickflow
