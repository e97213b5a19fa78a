// Sends simulated records to the ingest service over HTTP, as the original generator.py
// did (one record every 1–5 s from each of two threads: ticks, and the other kinds) or at
// a fixed rate in NDJSON batches over keep-alive. Retries with backoff while ingest is
// down or answers 503 (resending only what was not taken); never drops a record without
// counting it. Prints a progress line every few seconds and returns a report.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "src/services/generate/simulator_config.hpp"

namespace tickflow {

struct SenderOptions {
  std::string url = "http://127.0.0.1:5000/ingest";
  double rate = 0;            // records/s; 0: the original pacing (random 1–5 s per record, two threads)
  std::uint64_t count = 0;    // stop after this many records; 0: no limit
  double duration_seconds = 0;  // stop after this long; 0: no limit
  int cpu = -1;               // pin the sending thread(s) to this core; -1: no pinning
  std::string token;          // bearer token for ingest, if it wants one
  std::uint64_t seed = 1;
  std::vector<std::string> symbols;  // empty: the original five
  std::chrono::milliseconds progress_every{5000};
  std::chrono::milliseconds max_backoff{5000};
};

struct SenderReport {
  std::uint64_t generated = 0;  // records made
  std::uint64_t accepted = 0;   // answered accepted by ingest
  std::uint64_t rejected = 0;   // answered rejected (with field and reason)
  std::uint64_t unsent = 0;     // made but not delivered when stopped (counted, not lost silently)
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;    // requests repeated because ingest was down or full
  std::string fatal;            // why sending stopped early (e.g. 401, 415), if it did
  double seconds = 0;
};

// Runs until count/duration is reached, `stop` becomes true, or a fatal answer.
SenderReport send_to_ingest(const SenderOptions& options, const SimulatorConfig& config, std::atomic<bool>& stop);

}  // namespace tickflow
