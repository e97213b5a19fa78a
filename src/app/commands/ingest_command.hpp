// `tickflow ingest`: the ingest HTTP server on ingest.listen, publishing to the bus; and
// IngestServer, the same server as `tickflow run` embeds it.
#pragma once

#include <memory>
#include <string>

#include "src/app/settings.hpp"
#include "src/bus/bus.hpp"
#include "src/net/http_server.hpp"
#include "src/services/common/stop_signal.hpp"
#include "src/services/ingest/ingest_handler.hpp"

namespace tickflow {

struct IngestArgs {
  std::string token;  // --token, else TICKFLOW_INGEST_TOKEN; empty: no authentication
  std::string data_dir = "var";  // seq reservations: DATA_DIR/ingest-seq.sqlite
};

// The ingest handler behind an HTTP server (POST /ingest, WebSocket /ws, /healthz,
// /metrics), both configured from [ingest] and [topics]. Owns both; stop() or the
// destructor stops serving.
class IngestServer {
 public:
  // `state_path` empty: seq counters in memory only. Start-up: throws
  // std::invalid_argument when ingest.listen is not host:port, std::runtime_error when the
  // seq store cannot be opened.
  // With `journal`, accepted records are made durable there before the answer (the
  // in-memory bus of `tickflow run`).
  IngestServer(const Settings& settings, Bus& bus, std::string token, std::string state_path,
               IngestJournal* journal = nullptr);

  std::string start();  // empty, or why it cannot listen
  void stop() { server_->stop(); }
  std::string url() const;  // http://host:port/ingest
  IngestHandler& handler() { return handler_; }

 private:
  IngestHandler handler_;
  std::string host_;
  std::unique_ptr<HttpServer> server_;
};

// Serves until SIGINT/SIGTERM, then stops taking requests and flushes the bus.
// Returns the exit code (2 for a bad listen address, 1 when it cannot listen or the bus
// cannot be flushed).
int run_ingest(const IngestArgs& args, const Settings& settings, Bus& bus, StopSignal& stop);

}  // namespace tickflow
