// `tickflow replay`: NDJSON file in, enriched NDJSON out, through ReplayPipeline.
#pragma once

#include <string>

#include "src/app/settings.hpp"

namespace tickflow {

struct ReplayArgs {
  std::string in = "-";        // file or "-" for stdin
  std::string out = "-";       // file or "-" for stdout
  std::string rejected;        // file; empty means stderr
  std::string alarms;          // file; empty means alarms are counted, not written
  double now = 0;              // "now" for the future-timestamp check; 0 = the clock
  bool progress = true;        // a progress line on stderr every few seconds
};

// Returns the process exit code: 0 when the input was processed (whatever was
// rejected), 1 for an I/O failure. Prints a summary line to stderr.
int run_replay(const ReplayArgs& args, const Settings& settings);

}  // namespace tickflow
