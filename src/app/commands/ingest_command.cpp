#include "src/app/commands/ingest_command.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "src/app/http_settings.hpp"
#include "src/app/options.hpp"
#include "src/log/named_logger.hpp"
#include "src/net/listen_address.hpp"

namespace tickflow {

namespace {

IngestOptions handler_options(const Settings& settings, std::string state_path, IngestJournal* journal) {
  IngestOptions o;
  o.validated_topic = settings.topics.validated;
  o.rejected_topic = settings.topics.rejected;
  o.limits = settings.validation;
  o.publish_wait = std::chrono::milliseconds(settings.ingest.publish_wait_ms);
  o.ack_wait = std::chrono::milliseconds(settings.ingest.ack_wait_ms);
  o.state_path = std::move(state_path);
  o.journal = journal;
  return o;
}

HttpServerOptions server_options(const Settings& settings, std::string token, std::string& host) {
  const IngestSettings& in = settings.ingest;
  auto address = parse_listen_address(in.listen);
  if (!address) throw std::invalid_argument(fmt::format("ingest.listen '{}' is not host:port", in.listen));
  host = address->host;
  if (token.empty()) {
    if (const char* env = std::getenv("TICKFLOW_INGEST_TOKEN")) token = env;
  }
  auto problem = check_exposure("ingest", host, token, settings.http.insecure, "ingest.listen", "TICKFLOW_INGEST_TOKEN");
  if (!problem.empty()) throw std::invalid_argument(problem);
  HttpServerOptions o;
  o.address = host;
  o.port = address->port;
  o.threads = static_cast<int>(in.threads);
  o.max_body_bytes = static_cast<std::size_t>(in.max_body_bytes);
  o.max_connections = static_cast<std::size_t>(in.max_connections);
  o.header_timeout = std::chrono::milliseconds(in.header_timeout_ms);
  o.body_timeout = std::chrono::milliseconds(in.body_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(in.idle_timeout_ms);
  o.clients = client_limits(settings.http);
  o.access.token = std::move(token);
  o.access.open_paths = {"/healthz"};
  if (in.allowed_origins != "none") o.access.allowed_origins = split_list(in.allowed_origins);
  if (settings.http.allowed_hosts != "none") o.access.allowed_hosts = split_list(settings.http.allowed_hosts);
  return o;
}

}  // namespace

IngestServer::IngestServer(const Settings& settings, Bus& bus, std::string token, std::string state_path,
                           IngestJournal* journal)
    : handler_(bus, handler_options(settings, std::move(state_path), journal)) {
  HttpServerOptions options = server_options(settings, std::move(token), host_);
  WebSocketEndpoint ws;
  ws.path = "/ws";
  ws.on_message = [this](std::string_view m) { return handler_.handle_websocket_message(m); };
  server_ = std::make_unique<HttpServer>(options, [this](const HttpRequest& r) { return handler_.handle(r); }, ws);
}

std::string IngestServer::start() { return server_->start(); }

std::string IngestServer::url() const { return fmt::format("http://{}:{}/ingest", host_, server_->port()); }

int run_ingest(const IngestArgs& args, const Settings& settings, Bus& bus, StopSignal& stop) {
  auto log = named_logger("ingest");
  std::error_code ec;
  std::filesystem::create_directories(args.data_dir, ec);
  std::unique_ptr<IngestServer> ingest;
  try {
    ingest = std::make_unique<IngestServer>(settings, bus, args.token,
                                            (std::filesystem::path(args.data_dir) / "ingest-seq.sqlite").string());
  } catch (const std::invalid_argument& e) {
    log->error("{}", e.what());
    return 2;
  }
  if (auto error = ingest->start(); !error.empty()) {
    log->error("{}", error);
    return 1;
  }
  log->info("listening on {} (POST /ingest, WebSocket /ws, GET /healthz, GET /metrics); publishing to {}", ingest->url(),
            settings.topics.validated);
  int signal = stop.wait();
  log->info("signal {}: no new requests; flushing the bus", signal);
  ingest->stop();
  std::size_t left = bus.flush(std::chrono::seconds(30));
  auto totals = ingest->handler().totals();
  log->info("stopped: {} records accepted, {} rejected{}", totals.accepted, totals.rejected,
            left ? fmt::format(", {} NOT delivered", left) : std::string());
  return left == 0 ? 0 : 1;
}

}  // namespace tickflow
