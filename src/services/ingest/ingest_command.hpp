// `tickflow ingest`: the ingest HTTP server on ingest.listen, publishing to the bus.
#pragma once

#include <string>

#include "src/app/settings.hpp"
#include "src/bus/bus.hpp"
#include "src/services/common/stop_signal.hpp"

namespace tickflow {

struct IngestArgs {
  std::string token;  // --token, else TICKFLOW_INGEST_TOKEN; empty: no authentication
  std::string data_dir = "var";  // seq reservations: DATA_DIR/ingest-seq.sqlite
};

// Serves until SIGINT/SIGTERM, then stops taking requests and flushes the bus.
// Returns the exit code (1 when it cannot listen or the bus cannot be flushed).
int run_ingest(const IngestArgs& args, const Settings& settings, Bus& bus, StopSignal& stop);

}  // namespace tickflow
