// The ingest service's HTTP endpoints, independent of sockets: POST /ingest validates one
// JSON object, a JSON array or NDJSON, numbers each accepted record per symbol (seq,
// ingest_ts) and publishes it to validated_data; rejected records go to rejected_data with
// the field and reason, and back to the client (the first max_rejections_described in
// full, as long as the answer stays within max(4x the request, 16 KiB); the rest counted). GET /healthz and GET /metrics. Who may call it (Host, Origin,
// token) is the HTTP server's AccessGuard's business.
// Thread-safe: the HTTP server calls handle() from its I/O threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/core/record_parser.hpp"
#include "src/core/string_key_map.hpp"
#include "src/store/ingest_journal.hpp"
#include "src/store/state_store.hpp"
#include "src/net/http_message.hpp"

namespace tickflow {

struct IngestOptions {
  std::string validated_topic = "validated_data";
  std::string rejected_topic = "rejected_data";
  // Rejections described in full per request (answer and rejected_data); the rest are
  // counted. Bounds the work and the answer a body of bad records can cause.
  std::size_t max_rejections_described = 100;
  ValidationLimits limits;
  std::chrono::milliseconds publish_wait{50};  // how long to wait for room before answering 503
  // How long a request waits for the bus to acknowledge its records (Kafka: acks=all)
  // before answering; 0 answers once they are queued, faster, but a crash of ingest then
  // loses records the client was told were accepted.
  std::chrono::milliseconds ack_wait{10000};
  // Where seq reservations are kept so that a restarted ingest continues each symbol's
  // numbering above anything it handed out (empty: in memory, restarts at 1).
  std::string state_path;
  std::uint64_t seq_block = 1000;  // seq numbers reserved per symbol per durable write
  // On a bus that keeps records only in memory: where accepted records are made durable
  // before the answer (`tickflow run`); none: the bus is the record (Kafka), or no promise.
  IngestJournal* journal = nullptr;
};

class IngestHandler {
 public:
  // `clock` returns Unix seconds (tests pass a fixed one). With options.state_path, loads
  // the reservations; throws std::runtime_error (start-up) when the store cannot be opened.
  IngestHandler(Bus& bus, IngestOptions options, std::function<double()> clock = {});

  HttpResponse handle(const HttpRequest& request);

  // WebSocket ingest on /ws (the server's AccessGuard admits the upgrade): the answer to
  // one message (one record or NDJSON), as
  // {"status": <what POST would answer>, "answer": <POST's body>}.
  std::string handle_websocket_message(std::string_view message);

  // Prometheus text for GET /metrics.
  std::string metrics_text();

  struct Totals {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
  };
  Totals totals() const { return {accepted_.load(), rejected_.load()}; }

 private:
  struct Outcome;  // per-request work list (defined in the .cpp)

  HttpResponse ingest(const HttpRequest& request);
  HttpResponse publish(Outcome& outcome, bool single);
  bool reserve_seq(const Outcome& outcome);
  void count_status(int status);
  std::unique_ptr<RecordParser> take_parser();
  void give_back(std::unique_ptr<RecordParser> parser);

  Bus& bus_;
  IngestOptions options_;
  std::function<double()> clock_;

  std::mutex publish_mu_;  // seq assignment and publishing happen in one order
  struct SeqState {
    std::uint64_t last = 0;      // last seq handed out
    std::uint64_t reserved = 0;  // durable ceiling: nothing above it was handed out
  };
  StringKeyMap<SeqState> seq_;
  std::unique_ptr<StateStore> seq_store_;

  std::mutex parsers_mu_;  // parsers are reused: each holds buffers sized for the largest record
  std::vector<std::unique_ptr<RecordParser>> parsers_;

  std::atomic<std::uint64_t> accepted_{0}, rejected_{0}, rejected_unpublished_{0};
  std::atomic<std::uint64_t> unacknowledged_{0};  // published, but not acknowledged in time: answered 503
  std::mutex metrics_mu_;
  std::map<int, std::uint64_t> requests_by_status_;
  std::map<std::string, std::uint64_t> rejected_by_field_;
  static constexpr std::array<double, 8> latency_buckets_ = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0};
  std::array<std::uint64_t, 9> latency_counts_{};  // last: +Inf
  double latency_sum_ = 0;
};

}  // namespace tickflow
