#include "src/services/common/status_server.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/net/http_server.hpp"
#include "src/net/listen_address.hpp"

namespace tickflow {

StatusServer::StatusServer(const std::string& listen, std::string service, Bus& bus, StatusSource source)
    : service_(std::move(service)), bus_(bus), source_(std::move(source)) {
  auto address = parse_listen_address(listen);
  if (!address) throw std::invalid_argument(fmt::format("{}.listen '{}' is not host:port", service_, listen));
  host_ = address->host;
  HttpServerOptions options;
  options.address = address->host;
  options.port = address->port;
  options.max_body_bytes = 1024;  // nothing to post here
  options.max_connections = 64;
  server_ = std::make_unique<HttpServer>(options, [this](const HttpRequest& request) {
    std::string_view path = request.path();
    if (path != "/healthz" && path != "/metrics") {
      return json_response(404, fmt::format("{{\"error\":\"no such path; try GET /healthz or GET /metrics\"}}"));
    }
    if (request.method != "GET" && request.method != "HEAD") {
      auto r = json_response(405, "{\"error\":\"use GET\"}");
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    if (path == "/healthz") {
      std::string problem = source_.problem ? source_.problem() : std::string();
      if (problem.empty()) {
        BusStatus bus_health = bus_.health(std::chrono::milliseconds(1000));
        if (!bus_health.ok) problem = bus_health.message;
      }
      std::string body = "{\"service\":";
      json::append_string(body, service_);
      if (problem.empty()) return json_response(200, body + ",\"status\":\"ok\"}");
      body += ",\"status\":\"unhealthy\",\"reason\":";
      json::append_string(body, problem);
      return json_response(503, body + "}");
    }
    PrometheusText text;
    if (source_.metrics) source_.metrics(text);
    append_bus_metrics(text, bus_.counters());
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = text.text();
    return r;
  });
}

StatusServer::~StatusServer() = default;

std::string StatusServer::start() { return server_->start(); }
void StatusServer::stop() { server_->stop(); }
std::string StatusServer::url() const { return fmt::format("http://{}:{}", host_, server_->port()); }

void append_stage_metrics(PrometheusText& out, const StageCounters& c) {
  out.metric("tickflow_stage_records_total", "counter", "Records the stage consumed and published.")
      .sample(PrometheusText::label("direction", "in"), static_cast<double>(c.consumed.load()))
      .sample(PrometheusText::label("direction", "out"), static_cast<double>(c.published.load()));
  out.metric("tickflow_stage_batches_total", "counter", "Batches handled and published.")
      .sample(static_cast<double>(c.batches.load()));
  out.metric("tickflow_stage_checkpoints_total", "counter",
             "Checkpoints completed: outputs delivered, state saved, input position committed.")
      .sample(static_cast<double>(c.checkpoints.load()));
  out.metric("tickflow_stage_commit_failures_total", "counter",
             "Checkpoints left uncommitted (state not saved, or commit refused): their records come again.")
      .sample(static_cast<double>(c.commit_failures.load()));
}

}  // namespace tickflow
