// Each service's operations port over real HTTP on loopback: /healthz says ok or why not,
// /metrics is Prometheus text with the service's and the bus's counters, and anything
// else is refused with a reason.
#include "src/services/common/status_server.hpp"

#include <gtest/gtest.h>

#include "src/bus/memory_bus.hpp"
#include "src/net/http_client.hpp"

namespace tickflow {
namespace {

struct Probe {
  HttpClientResult get(StatusServer& server, std::string_view path, std::string_view method = "GET") {
    auto url = parse_http_url(server.url() + std::string(path));
    HttpClient client(url->host, url->port);
    return client.request(method, url->target, "", "");
  }
};

TEST(StatusServer, HealthSaysOkOrWhyNot) {
  MemoryBus bus;
  std::string problem;
  StatusServer server("127.0.0.1:0", "notify", bus, {{}, [&] { return problem; }});
  ASSERT_EQ(server.start(), "");
  auto ok = Probe{}.get(server, "/healthz");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"service\":\"notify\",\"status\":\"ok\"}");
  problem = "cannot commit to the outbox var/notify.sqlite: disk I/O error (No space left on device)";
  auto bad = Probe{}.get(server, "/healthz");
  EXPECT_EQ(bad.status, 503);
  EXPECT_NE(bad.body.find("No space left on device"), std::string::npos) << bad.body;
}

TEST(StatusServer, MetricsCarryStageAndBusCounters) {
  MemoryBus bus;
  StageCounters counters;
  counters.consumed = 12;
  counters.published = 10;
  counters.commit_failures = 1;
  ASSERT_EQ(bus.publish("t", "k", "v"), PublishStatus::ok);
  StatusServer server("127.0.0.1:0", "process", bus, {[&](PrometheusText& out) { append_stage_metrics(out, counters); }, {}});
  ASSERT_EQ(server.start(), "");
  auto r = Probe{}.get(server, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("tickflow_stage_records_total{direction=\"in\"} 12\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("tickflow_stage_records_total{direction=\"out\"} 10\n"), std::string::npos);
  EXPECT_NE(r.body.find("tickflow_stage_commit_failures_total 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("tickflow_bus_records_total{outcome=\"published\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE tickflow_bus_lag gauge\n"), std::string::npos);
}

TEST(StatusServer, RefusesOtherPathsAndMethods) {
  MemoryBus bus;
  StatusServer server("127.0.0.1:0", "signal", bus, {});
  ASSERT_EQ(server.start(), "");
  EXPECT_EQ(Probe{}.get(server, "/ingest").status, 404);
  EXPECT_EQ(Probe{}.get(server, "/metrics", "POST").status, 405);
  EXPECT_EQ(Probe{}.get(server, "/healthz", "DELETE").status, 405);
}

TEST(StatusServer, ABadListenAddressIsAStartUpError) {
  MemoryBus bus;
  for (const char* listen : {"nonsense", ":80", "127.0.0.1:70000", "127.0.0.1:80x", "127.0.0.1:"}) {
    EXPECT_THROW(StatusServer(listen, "aggregate", bus, {}), std::invalid_argument) << listen;
  }
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(PrometheusText::label("channel", "a\"b\\c\nd"), "channel=\"a\\\"b\\\\c\\nd\"");
  PrometheusText t;
  t.metric("x_total", "counter", "X.").sample(PrometheusText::label("k", "v"), 1.5).sample(2);
  EXPECT_EQ(t.text(), "# HELP x_total X.\n# TYPE x_total counter\nx_total{k=\"v\"} 1.5\nx_total 2\n");
}

}  // namespace
}  // namespace tickflow
