#include "src/services/signal/signal_service.hpp"

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

SignalService::SignalService(Bus& bus, SignalOptions options)
    : bus_(bus), options_(std::move(options)), parser_(options_.limits), engine_(options_.rules) {
  if (options_.state_path.empty()) return;
  store_ = std::make_unique<StateStore>(options_.state_path, "signal v1");
  std::size_t loaded = 0;
  auto status = store_->load([&](const StateStore::Entry& e) {
    KeyState& state = entry_for(keys_, e.key);
    state.last_seq = e.last_seq;
    StateReader r(e.bytes);
    if (!state.signal.load(r)) throw std::runtime_error(fmt::format("{}: state of {} is damaged", options_.state_path, e.key));
    ++loaded;
  });
  if (!status.ok) throw std::runtime_error(status.message);
  named_logger("signal")->info("resumed {} keys from {}", loaded, options_.state_path);
}

bool SignalService::checkpoint() {
  if (!store_ || dirty_.empty()) return true;
  std::vector<std::string> bytes(dirty_.size());
  std::vector<StateStore::Entry> entries;
  entries.reserve(dirty_.size());
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    const KeyState& state = keys_.find(*dirty_[i])->second;
    StateWriter w(bytes[i]);
    state.signal.save(w);
    entries.push_back({*dirty_[i], state.last_seq, bytes[i]});
  }
  auto status = store_->save(entries);
  if (!status.ok) {
    named_logger("signal")->error("{}; not committing, the batch will be processed again", status.message);
    return false;
  }
  for (const std::string* key : dirty_) keys_.find(*key)->second.dirty = false;
  dirty_.clear();
  return true;
}

void SignalService::run(std::stop_token stop) {
  auto input = bus_.subscribe({options_.in_topic}, options_.group);
  named_logger("signal")->info("{} → {} and {} (group {})", options_.in_topic, options_.signals_topic,
                               options_.alarms_topic, options_.group);
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop, [this] { return checkpoint(); });
  input->close();
}

void SignalService::handle(const BusRecord& in, std::vector<StageOutput>& out) {
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
      duplicates_.fetch_add(1);
      return;
    }
    state.last_seq = *record_.seq;
  }
  if (store_ && !state.dirty) {
    state.dirty = true;
    dirty_.push_back(&it->first);
  }
  std::optional<Alarm> alarm = engine_.evaluate(record_, state.signal);
  std::string payload;
  append_signal_fields(in.payload, *record_.signal, payload);
  std::string key(record_.partition_key());
  out.push_back({&options_.signals_topic, key, std::move(payload)});
  if (alarm) {
    alarms_.fetch_add(1);
    std::string a;
    write_alarm(*alarm, a);
    out.push_back({&options_.alarms_topic, std::move(key), std::move(a)});
  }
}

}  // namespace tickflow
