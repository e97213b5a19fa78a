// Runs known input through the live services (ingest → process → signal) on a bus and
// compares what lands on the signals and alarm topics with `tickflow replay` on the same
// input: the same records (ingest_ts aside, which replay has no reason to add) and the
// same alarms, byte for byte. Shared by the in-memory and the Kafka pipeline tests.
#pragma once

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/bus/bus.hpp"
#include "src/services/chain/process_signal_chain.hpp"
#include "src/services/ingest/ingest_handler.hpp"
#include "src/services/process/process_service.hpp"
#include "src/services/replay/replay_pipeline.hpp"
#include "src/services/signal/signal_service.hpp"

namespace tickflow::testing {

using namespace std::chrono_literals;

inline constexpr double golden_now = 1767225600;  // the golden files' "now"

// The record as sorted "key=value" pairs, without ingest_ts: equal when the content is.
inline std::string canonical(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return "unparseable: " + std::string(json);
  std::map<std::string, std::string> fields;
  for (auto [key, value] : doc.get_object()) {
    if (key == "ingest_ts") continue;
    fields[std::string(key)] = simdjson::to_string(value);
  }
  std::string out;
  for (const auto& [k, v] : fields) out += k + "=" + v + "\n";
  return out;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

struct PipelineTopics {
  std::string validated, processed, signals, alarms, rejected;
  explicit PipelineTopics(const std::string& suffix)
      : validated("validated-" + suffix), processed("processed-" + suffix), signals("signals-" + suffix),
        alarms("alarms-" + suffix), rejected("rejected-" + suffix) {}
};

// What a subscription reads until `want` records or `patience`.
inline std::vector<std::string> read_all(Subscription& sub, std::size_t want, std::chrono::milliseconds patience) {
  std::vector<std::string> out;
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : sub.poll(5000, 200ms)) out.emplace_back(r.payload);
    sub.commit();
  }
  return out;
}

// Everything a topic holds, read by a fresh group until `want` records or `patience`.
inline std::vector<std::string> read_topic(Bus& bus, const std::string& topic, std::size_t want,
                                           std::chrono::milliseconds patience) {
  auto sub = bus.subscribe({topic}, "reader-" + topic);
  return read_all(*sub, want, patience);
}

// How process and signal run: each on its own thread, or chained on one (ProcessSignalChain).
enum class StageWiring { apart, chained };

// What `tickflow replay` made of tests/data/replay/input.ndjson: its records and alarms.
struct GoldenOutputs {
  std::vector<std::string> records, alarms;
};

inline GoldenOutputs golden_outputs() {
  const std::string dir = TICKFLOW_TEST_DATA_DIR "/replay/";
  return {read_lines(dir + "expected_records.ndjson"), read_lines(dir + "expected_alarms.ndjson")};
}

// Posts `ndjson` to ingest in one request, at the golden files' "now": every record it
// accepts goes to `t.validated`. All of them must be accepted.
inline void feed_ndjson(Bus& bus, const PipelineTopics& t, std::string ndjson, std::size_t expected_records) {
  IngestOptions io;
  io.validated_topic = t.validated;
  io.rejected_topic = t.rejected;
  io.publish_wait = 5000ms;
  IngestHandler ingest(bus, io, [] { return golden_now; });
  HttpRequest post;
  post.method = "POST";
  post.target = "/ingest";
  post.content_type = "application/x-ndjson";
  post.body = std::move(ndjson);
  HttpResponse answer = ingest.handle(post);
  ASSERT_EQ(answer.status, 200) << answer.body;
  ASSERT_EQ(ingest.totals().accepted, expected_records);
}

// tests/data/replay/input.ndjson, through ingest.
inline void feed_golden_input(Bus& bus, const PipelineTopics& t, std::size_t expected_records) {
  std::ifstream in(TICKFLOW_TEST_DATA_DIR "/replay/input.ndjson");
  std::stringstream body;
  body << in.rdbuf();
  feed_ndjson(bus, t, body.str(), expected_records);
}

// The signals and alarms topics' records against replay's golden files: the same records
// (ingest_ts aside), the same alarms byte for byte, in any order.
inline void expect_same_as_replay(const std::vector<std::string>& signals, const std::vector<std::string>& alarms,
                                  const GoldenOutputs& want) {
  ASSERT_EQ(signals.size(), want.records.size());
  std::multiset<std::string> got_records, want_records;
  for (const auto& s : signals) got_records.insert(canonical(s));
  for (const auto& e : want.records) want_records.insert(canonical(e));
  EXPECT_TRUE(got_records == want_records) << "signals topic differs from tickflow replay";
  std::multiset<std::string> got_alarms(alarms.begin(), alarms.end());
  std::multiset<std::string> want_alarms(want.alarms.begin(), want.alarms.end());
  EXPECT_EQ(got_alarms, want_alarms) << "alarm topic differs from tickflow replay";
}

// Feeds the golden input through ingest, runs process and signal until all of it came
// out, and checks the outputs against replay's golden files (and that every processed
// record was published too).
inline void check_pipeline_equals_replay(Bus& bus, const PipelineTopics& t, std::chrono::milliseconds patience,
                                         StageWiring wiring = StageWiring::apart) {
  const GoldenOutputs want = golden_outputs();
  feed_golden_input(bus, t, want.records.size());
  if (::testing::Test::HasFatalFailure()) return;

  ProcessOptions po;
  po.in_topic = t.validated;
  po.out_topic = t.processed;
  po.rejected_topic = t.rejected;
  po.group = "process-" + t.validated;
  SignalOptions so;
  so.in_topic = t.processed;
  so.signals_topic = t.signals;
  so.alarms_topic = t.alarms;
  so.rejected_topic = t.rejected;
  so.group = "signal-" + t.validated;
  // Records carry 2025 timestamps; the stages check them against the clock like ingest.
  ProcessService process(bus, po);
  SignalService signal(bus, so);
  ProcessSignalChain chain(bus, process, signal);
  // Subscribed before the stages start: the in-memory bus drops a record once every group
  // it knows has committed it (here, the signal stage's when the stages run apart).
  auto processed_reader = bus.subscribe({t.processed}, "reader-" + t.processed);
  std::jthread process_thread, signal_thread;
  if (wiring == StageWiring::chained) {
    process_thread = std::jthread([&](std::stop_token s) { chain.run(s); });
  } else {
    process_thread = std::jthread([&](std::stop_token s) { process.run(s); });
    signal_thread = std::jthread([&](std::stop_token s) { signal.run(s); });
  }
  auto signals = read_topic(bus, t.signals, want.records.size(), patience);
  auto alarms = read_topic(bus, t.alarms, want.alarms.size(), patience);
  auto processed = read_all(*processed_reader, want.records.size(), patience);
  process_thread.request_stop();
  signal_thread.request_stop();
  process_thread.join();
  if (signal_thread.joinable()) signal_thread.join();

  EXPECT_EQ(processed.size(), want.records.size()) << "processed records missing from their topic";
  if (wiring == StageWiring::chained) {
    EXPECT_EQ(chain.processed(), want.records.size());
  }
  expect_same_as_replay(signals, alarms, want);
  EXPECT_EQ(process.duplicates(), 0u);
  EXPECT_EQ(signal.duplicates(), 0u);
}

}  // namespace tickflow::testing
