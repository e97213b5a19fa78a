#include "src/app/commands/broker_command.hpp"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "src/bus/kafka_bus.hpp"
#include "src/bus/mock_kafka_cluster.hpp"
#include "src/services/common/stop_signal.hpp"

namespace tickflow {

int run_broker(const BrokerArgs& args) {
  StopSignal stop;  // before librdkafka starts its threads
  try {
    MockKafkaCluster cluster(args.brokers);
    fmt::print("broker: librdkafka mock cluster with {} broker(s) at {}\n", args.brokers, cluster.bootstrap_servers());
    fmt::print("broker: use --brokers {} ; it keeps data in memory only; Ctrl-C stops it\n", cluster.bootstrap_servers());
    std::fflush(stdout);
    if (!args.address_file.empty()) {
      std::ofstream(args.address_file) << cluster.bootstrap_servers() << "\n";
    }
    fmt::print("broker: stopping on signal {}\n", stop.wait());
  } catch (const KafkaError& e) {
    fmt::print(stderr, "broker: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace tickflow
