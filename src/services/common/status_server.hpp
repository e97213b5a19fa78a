// A service's own HTTP port for operations: GET /healthz (200, or 503 with the reason)
// and GET /metrics (Prometheus text: the service's counters and the bus's). `tickflow
// process|signal|aggregate|notify` each start one on <service>.listen; "off" starts none.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "src/bus/bus.hpp"
#include "src/services/common/prometheus_text.hpp"
#include "src/services/common/stage.hpp"

namespace tickflow {

class HttpServer;

struct StatusSource {
  std::function<void(PrometheusText&)> metrics;  // appends the service's own metrics
  std::function<std::string()> problem;          // empty when healthy, else why not
};

class StatusServer {
 public:
  // Throws std::invalid_argument at start-up when `listen` is not host:port.
  StatusServer(const std::string& listen, std::string service, Bus& bus, StatusSource source);
  ~StatusServer();
  std::string start();  // empty, or why it cannot listen
  void stop();
  std::string url() const;  // http://host:port

 private:
  std::string service_;
  std::string host_;
  Bus& bus_;
  StatusSource source_;
  std::unique_ptr<HttpServer> server_;
};

// The counters of a stage loop (records in and out, batches, failed commits).
void append_stage_metrics(PrometheusText& out, const StageCounters& counters);

}  // namespace tickflow
