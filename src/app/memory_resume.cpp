#include "src/app/memory_resume.hpp"

#include <thread>
#include <vector>

#include "src/log/named_logger.hpp"

namespace tickflow {

std::size_t replay_journal(IngestJournal& journal, Bus& bus, const std::string& topic) {
  constexpr std::size_t chunk = 1000;
  std::vector<std::string> keys, payloads;
  std::size_t total = 0;
  auto publish = [&] {
    std::vector<OutgoingRecord> batch;
    batch.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) batch.push_back({keys[i], payloads[i]});
    std::size_t done = 0;
    while (done < batch.size()) {
      done += bus.publish_batch(topic, std::span<const OutgoingRecord>(batch).subspan(done),
                                std::chrono::milliseconds(200));
    }
    total += batch.size();
    keys.clear();
    payloads.clear();
  };
  auto status = journal.read([&](std::string_view key, std::string_view payload) {
    keys.emplace_back(key);
    payloads.emplace_back(payload);
    if (keys.size() == chunk) publish();
  });
  if (!keys.empty()) publish();
  auto log = named_logger("run");
  if (!status.ok) log->error("{}", status.message);
  if (total > 0) {
    log->info("published again the {} records ingest had accepted since the last saved state ({})", total,
              journal.path());
  }
  return total;
}

bool save_at_rest(IngestJournal& journal, Bus& bus, ProcessSignalChain& chain, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  auto held = journal.hold();
  while (bus.counters().lag > 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!chain.save_when_idle(wait)) return false;
  if (auto s = journal.clear(held); !s.ok) {
    // The state is saved: a replay of the old journal is skipped by seq, so nothing is lost.
    named_logger("run")->error("{}", s.message);
    return false;
  }
  return true;
}

}  // namespace tickflow
