// `tickflow generate --out FILE`: writes simulated records as NDJSON, no network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/app/settings.hpp"

namespace tickflow {

struct GenerateArgs {
  std::string out;                   // a file (or - for stdout): write NDJSON instead of sending
  std::uint64_t count = 0;           // 0: 1000 when writing a file, no limit when sending
  std::uint64_t seed = 1;
  std::vector<std::string> symbols;  // empty: the original generator's five
  bool ticks_only = false;
  // Sending to ingest:
  std::string url = "http://127.0.0.1:5000/ingest";
  double rate = 0;                   // records/s; 0: the original pacing
  double duration = 0;               // seconds; 0: no limit
  int cpu = -1;
  std::string token;
};

// Writes a file (when args.out is set). Returns 0 when every record was written, 1 on an
// I/O error.
int run_generate(const GenerateArgs& args, const Settings& settings);

// Sends to ingest until count/duration or SIGINT/SIGTERM; prints a summary. Returns 0
// unless ingest refused for good (401, 415, ...) or the URL is unusable.
int run_generate_http(const GenerateArgs& args, const Settings& settings);

}  // namespace tickflow
