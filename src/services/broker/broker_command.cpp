#include "src/services/broker/broker_command.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "src/bus/kafka_bus.hpp"
#include "src/bus/mock_kafka_cluster.hpp"

namespace tickflow {

int run_broker(const BrokerArgs& args) {
  // Block the stop signals before any librdkafka thread starts, so only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  try {
    MockKafkaCluster cluster(args.brokers);
    fmt::print("broker: librdkafka mock cluster with {} broker(s) at {}\n", args.brokers, cluster.bootstrap_servers());
    fmt::print("broker: use --brokers {} ; it keeps data in memory only; Ctrl-C stops it\n", cluster.bootstrap_servers());
    std::fflush(stdout);
    if (!args.address_file.empty()) {
      std::ofstream(args.address_file) << cluster.bootstrap_servers() << "\n";
    }
    int signal = 0;
    sigwait(&stop, &signal);
    fmt::print("broker: stopping on signal {}\n", signal);
  } catch (const KafkaError& e) {
    fmt::print(stderr, "broker: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace tickflow
