#include "src/services/aggregate/aggregate_service.hpp"
#include "src/services/common/output_topics.hpp"
#include "src/core/unix_clock.hpp"

#include <algorithm>

#include "src/log/named_logger.hpp"

namespace tickflow {

AggregateService::AggregateService(Bus& bus, AggregateOptions options)
    : bus_(bus), options_(std::move(options)), parser_(options_.limits), seen_("aggregate", [] { return false; }),
      book_(options_.forward_ticks, options_.window) {}

void AggregateService::run(std::stop_token stop) {
  ensure_output_topics(bus_, {options_.out_topic}, "aggregate");
  auto input = bus_.subscribe({options_.in_topic}, options_.group);
  named_logger("aggregate")->info("{} → {} every {} ms (group {})", options_.in_topic, options_.out_topic,
                                  options_.publish_every.count(), options_.group);
  auto next_publish = std::chrono::steady_clock::now() + options_.publish_every;
  while (!stop.stop_requested()) {
    auto batch = input->poll(2000, std::chrono::milliseconds(100));
    if (!batch.empty()) {
      std::lock_guard lock(book_mu_);
      for (const auto& in : batch) {
        if (!parser_.parse(in.payload, unix_now(), RecordSource::pipeline, record_, errors_)) {
          // The signal stage publishes only what parsed; say so if something else did.
          invalid_.fetch_add(1);
          named_logger("aggregate")->warn("skipping a record on {} at offset {}: {}: {}", options_.in_topic, in.offset,
                                          errors_.front().field, errors_.front().reason);
          continue;
        }
        if (seen_.apply(record_.partition_key(), record_.seq) == nullptr) continue;  // counted already
        if (!record_.symbol.empty() && book_.find(record_.symbol.view()) == nullptr) {
          symbols_.emplace_back(record_.symbol.view());
        }
        book_.add(record_);
      }
      input->commit();  // summaries are in memory only; nothing to make durable first
    }
    if (std::chrono::steady_clock::now() >= next_publish) {
      publish_changed();
      next_publish = std::chrono::steady_clock::now() + options_.publish_every;
    }
  }
  publish_changed();
  input->close();
}

void AggregateService::publish_changed() {
  std::vector<std::string> payloads, keys;
  {
    std::lock_guard lock(book_mu_);
    for (auto& symbol : book_.take_changed()) {
      std::string json;
      if (book_.write(symbol, json)) {
        keys.push_back(symbol);
        payloads.push_back(std::move(json));
      }
    }
  }
  std::vector<OutgoingRecord> batch;
  for (std::size_t i = 0; i < payloads.size(); ++i) batch.push_back({keys[i], payloads[i]});
  std::size_t done = bus_.publish_batch(options_.out_topic, batch, std::chrono::seconds(1));
  published_.fetch_add(done);
}

std::string AggregateService::summaries_json() {
  std::lock_guard lock(book_mu_);
  std::string out = "[";
  for (const auto& symbol : symbols_) {
    if (out.size() > 1) out += ',';
    book_.write(symbol, out);
  }
  out += ']';
  return out;
}

}  // namespace tickflow
