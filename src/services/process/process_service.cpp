#include "src/services/process/process_service.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "src/core/record_writer.hpp"
#include "src/log/named_logger.hpp"
#include "src/services/replay/replay_pipeline.hpp"

namespace tickflow {

namespace {
double wall_clock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

ProcessService::ProcessService(Bus& bus, ProcessOptions options)
    : bus_(bus), options_(std::move(options)), parser_(options_.limits) {
  if (options_.state_path.empty()) return;
  const auto& p = options_.periods;
  store_ = std::make_unique<StateStore>(options_.state_path, fmt::format("process ma={} ema={} rsi={}", p.ma, p.ema, p.rsi));
  std::size_t loaded = 0;
  auto status = store_->load([&](const StateStore::Entry& e) {
    KeyState& state = entry_for(keys_, e.key);
    state.last_seq = e.last_seq;
    if (!e.bytes.empty()) {
      state.indicators.emplace(options_.periods);
      StateReader r(e.bytes);
      if (!state.indicators->load(r)) throw std::runtime_error(fmt::format("{}: state of {} is damaged", options_.state_path, e.key));
    }
    ++loaded;
  });
  if (!status.ok) throw std::runtime_error(status.message);
  named_logger("process")->info("resumed {} symbols from {}", loaded, options_.state_path);
}

bool ProcessService::checkpoint() {
  if (!store_ || dirty_.empty()) return true;
  std::vector<std::string> bytes(dirty_.size());
  std::vector<StateStore::Entry> entries;
  entries.reserve(dirty_.size());
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    const KeyState& state = keys_.find(*dirty_[i])->second;
    if (state.indicators) {
      StateWriter w(bytes[i]);
      state.indicators->save(w);
    }
    entries.push_back({*dirty_[i], state.last_seq, bytes[i]});
  }
  auto status = store_->save(entries);
  if (!status.ok) {
    named_logger("process")->error("{}; not committing, the batch will be processed again", status.message);
    return false;
  }
  for (const std::string* key : dirty_) keys_.find(*key)->second.dirty = false;
  dirty_.clear();
  return true;
}

void ProcessService::run(std::stop_token stop) {
  auto input = bus_.subscribe({options_.in_topic}, options_.group);
  named_logger("process")->info("{} → {} (group {})", options_.in_topic, options_.out_topic, options_.group);
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop, [this] { return checkpoint(); });
  input->close();
}

void ProcessService::handle(const BusRecord& in, std::vector<StageOutput>& out) {
  if (!parser_.parse(in.payload, wall_clock(), RecordSource::pipeline, record_, errors_)) {
    std::string line;
    write_rejection_line(static_cast<std::uint64_t>(in.offset), errors_, in.payload, line);
    line.pop_back();
    out.push_back({&options_.rejected_topic, std::string(in.key), std::move(line)});
    return;
  }
  auto it = keys_.find(record_.partition_key());
  if (it == keys_.end()) it = keys_.emplace(std::string(record_.partition_key()), KeyState{}).first;
  KeyState& state = it->second;
  if (record_.seq) {
    if (*record_.seq <= state.last_seq) {
      duplicates_.fetch_add(1);  // delivered again after a restart or rebalance: already applied
      return;
    }
    state.last_seq = *record_.seq;
  }
  if (store_ && !state.dirty) {
    state.dirty = true;
    dirty_.push_back(&it->first);
  }
  std::string payload;
  if (record_.type == DataType::stock) {
    if (!state.indicators) state.indicators.emplace(options_.periods);
    append_indicator_fields(in.payload, state.indicators->update(std::get<StockTick>(record_.body).closing_price),
                            payload);
  } else {
    payload.assign(in.payload);
  }
  out.push_back({&options_.out_topic, std::string(record_.partition_key()), std::move(payload)});
}

}  // namespace tickflow
