#include "src/services/ingest/ingest_command.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "src/log/named_logger.hpp"
#include "src/net/http_server.hpp"
#include "src/services/ingest/ingest_handler.hpp"

namespace tickflow {

int run_ingest(const IngestArgs& args, const Settings& settings, Bus& bus, StopSignal& stop) {
  auto log = named_logger("ingest");
  const auto& in = settings.ingest;
  auto colon = in.listen.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos ||
      std::from_chars(in.listen.data() + colon + 1, in.listen.data() + in.listen.size(), port).ec != std::errc{} ||
      port > 65535) {
    log->error("ingest.listen '{}' is not host:port", in.listen);
    return 2;
  }
  IngestOptions options;
  options.validated_topic = settings.topics.validated;
  options.rejected_topic = settings.topics.rejected;
  options.limits = settings.validation;
  options.publish_wait = std::chrono::milliseconds(in.publish_wait_ms);
  options.token = args.token;
  if (options.token.empty()) {
    if (const char* env = std::getenv("TICKFLOW_INGEST_TOKEN")) options.token = env;
  }
  std::error_code ec;
  std::filesystem::create_directories(args.data_dir, ec);
  options.state_path = (std::filesystem::path(args.data_dir) / "ingest-seq.sqlite").string();
  IngestHandler handler(bus, options);

  HttpServerOptions server_options;
  server_options.address = in.listen.substr(0, colon);
  server_options.port = static_cast<std::uint16_t>(port);
  server_options.threads = static_cast<int>(in.threads);
  server_options.max_body_bytes = static_cast<std::size_t>(in.max_body_bytes);
  server_options.max_connections = static_cast<std::size_t>(in.max_connections);
  server_options.header_timeout = std::chrono::milliseconds(in.header_timeout_ms);
  server_options.body_timeout = std::chrono::milliseconds(in.body_timeout_ms);
  server_options.idle_timeout = std::chrono::milliseconds(in.idle_timeout_ms);
  WebSocketEndpoint ws;
  ws.path = "/ws";
  ws.admit = [&handler](const HttpRequest& r) { return handler.admit_websocket(r); };
  ws.on_message = [&handler](std::string_view m) { return handler.handle_websocket_message(m); };
  HttpServer server(server_options, [&handler](const HttpRequest& r) { return handler.handle(r); }, ws);
  if (auto error = server.start(); !error.empty()) {
    log->error("{}", error);
    return 1;
  }
  log->info("listening on http://{}:{} (POST /ingest, WebSocket /ws, GET /healthz, GET /metrics); publishing to {}{}",
            server_options.address, server.port(), options.validated_topic,
            options.token.empty() ? "" : "; bearer token required");
  int signal = stop.wait();
  log->info("signal {}: no new requests; flushing the bus", signal);
  server.stop();
  std::size_t left = bus.flush(std::chrono::seconds(30));
  auto totals = handler.totals();
  log->info("stopped: {} records accepted, {} rejected{}", totals.accepted, totals.rejected,
            left ? fmt::format(", {} NOT delivered", left) : std::string());
  return left == 0 ? 0 : 1;
}

}  // namespace tickflow
