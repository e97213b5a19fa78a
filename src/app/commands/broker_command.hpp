// `tickflow broker`: librdkafka's mock Kafka cluster as a process, for machines without
// the Apache Kafka jars (scripts/kafka is the real broker) and for trying fault cases.
#pragma once

#include <string>

namespace tickflow {

struct BrokerArgs {
  int brokers = 1;
  std::string address_file;  // where to write the bootstrap address; empty: only print it
};

// Serves until SIGINT or SIGTERM. Returns the exit code.
int run_broker(const BrokerArgs& args);

}  // namespace tickflow
