#include "src/services/chain/process_signal_chain.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "src/core/string_key_map.hpp"
#include "src/log/named_logger.hpp"
#include "src/services/common/output_topics.hpp"

namespace tickflow {

ProcessSignalChain::ProcessSignalChain(Bus& bus, ProcessService& process, SignalService& signal,
                                       Processed processed, Checkpoints checkpoints)
    : bus_(bus),
      process_(process),
      signal_(signal),
      publish_processed_(processed == Processed::published),
      save_when_asked_(checkpoints == Checkpoints::when_asked) {}

bool ProcessSignalChain::save_when_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(save_mu_);
  const std::uint64_t ticket = ++saves_asked_;
  if (!save_done_cv_.wait_for(lock, timeout, [&] { return saves_done_ >= ticket; })) return false;
  return last_save_ok_;
}

void ProcessSignalChain::serve_save(const StageHooks& process_hooks, const StageHooks& signal_hooks) {
  std::uint64_t asked = 0;
  {
    std::lock_guard lock(save_mu_);
    if (saves_asked_ == saves_done_) return;
    asked = saves_asked_;
  }
  process_hooks.snapshot();
  signal_hooks.snapshot();
  const bool ok = signal_hooks.save() && process_hooks.save();
  {
    std::lock_guard lock(save_mu_);
    saves_done_ = asked;
    last_save_ok_ = ok;
  }
  save_done_cv_.notify_all();
}

void ProcessSignalChain::run(std::stop_token stop) {
  const ProcessOptions& po = process_.options();
  const SignalOptions& so = signal_.options();
  ensure_output_topics(bus_, {po.out_topic, po.rejected_topic, so.signals_topic, so.alarms_topic, so.rejected_topic},
                       "process");
  hand_over(stop);
  if (stop.stop_requested()) return;
  std::vector<std::string> topics = {po.in_topic};
  if (!so.control_topic.empty()) topics.push_back(so.control_topic);
  auto input = bus_.subscribe(topics, po.group);
  input->set_busy_poll(po.busy_poll);
  named_logger("process")->info("{} → {} → {} and {} (process and signal on one thread, group {})", po.in_topic,
                                po.out_topic, so.signals_topic, so.alarms_topic, po.group);
  StageHooks process_hooks = process_.stage_hooks();
  StageHooks signal_hooks = signal_.stage_hooks();
  StageHooks hooks = process_hooks;
  hooks.snapshot = [&] {
    process_hooks.snapshot();
    signal_hooks.snapshot();
  };
  // The signal state first: should the process state then fail to save, the input comes
  // again and the process stage hands it on again, and the signal stage skips by seq what
  // its saved state already holds. The other way round, the signal stage would never see
  // again what the process stage's saved state says is done.
  hooks.save = [&] { return signal_hooks.save() && process_hooks.save(); };
  hooks.on_reassign = [&] {
    process_hooks.on_reassign();
    signal_hooks.on_reassign();
  };
  if (save_when_asked_) {
    hooks.snapshot = [] {};
    hooks.save = [] { return true; };
    hooks.on_idle = [&] { serve_save(process_hooks, signal_hooks); };
  }
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop, hooks);
  input->close();
}

void ProcessSignalChain::hand_over(std::stop_token stop) {
  // The keys whose processed records the signal stage has not all applied. Without
  // checkpoints (the in-memory bus) both stages start empty and none are.
  StringKeyMap<std::uint64_t> behind;
  for (auto& [key, seq] : process_.applied()) {
    if (signal_.last_applied(key) < seq) behind.emplace(std::move(key), seq);
  }
  if (behind.empty()) return;
  const SignalOptions& so = signal_.options();
  auto log = named_logger("signal");
  log->info("the signal stage's checkpoint is behind the process stage's on {} keys (the stages last ran apart): "
            "reading {} as group {} until it has caught up",
            behind.size(), so.in_topic, so.group);
  auto input = bus_.subscribe({so.in_topic}, so.group);
  std::stop_source done;
  std::stop_callback forward(stop, [&] { done.request_stop(); });
  std::atomic<std::uint64_t> read{0};
  // Should a record the process stage checkpointed be gone from the topic (retention), the
  // wait would never end: after a while with nothing to read, the rest is given up, named.
  std::jthread patience([&](std::stop_token self) {
    constexpr auto quiet_limit = std::chrono::seconds(30);
    auto last_read = read.load();
    auto quiet_since = std::chrono::steady_clock::now();
    while (!self.stop_requested() && !done.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (auto now_read = read.load(); now_read != last_read) {
        last_read = now_read;
        quiet_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - quiet_since > quiet_limit) {
        log->warn("nothing more on {} for {} s: going on without the rest of it", so.in_topic, quiet_limit.count());
        done.request_stop();
      }
    }
  });
  StageCounters handed;
  run_stage(
      bus_, *input,
      [&](const BusRecord& in, std::vector<StageOutput>& out) {
        signal_.handle(in, out);
        read.fetch_add(1, std::memory_order_relaxed);
        if (auto it = behind.find(in.key); it != behind.end() && signal_.last_applied(in.key) >= it->second) {
          behind.erase(it);
          if (behind.empty()) done.request_stop();  // the batch in hand is finished and committed
        }
      },
      handed, done.get_token(), signal_.stage_hooks());
  input->close();
  patience.request_stop();
  if (behind.empty()) {
    log->info("the signal stage has caught up: {} records read, {} published", handed.consumed.load(),
              handed.published.load());
  } else if (!stop.stop_requested()) {
    std::string keys;
    for (const auto& [key, seq] : behind) keys += (keys.empty() ? "" : ", ") + key;
    log->warn("the signal stage did not catch up on {} keys ({}); their missing signals are not made", behind.size(),
              keys);
  }
}

void ProcessSignalChain::handle(const BusRecord& in, std::vector<StageOutput>& out) {
  const std::string& control = signal_.options().control_topic;
  if (!control.empty() && in.topic == control) return signal_.handle(in, out);
  const std::size_t first = out.size();
  process_.handle(in, out);
  const std::size_t end = out.size();
  // The signal stage adds at most two records (a signal and an alarm, or a rejection) for
  // each it reads: with that room made now, the records it reads from `out` stay put.
  out.reserve(end + 2 * (end - first));
  const std::string* processed_topic = &process_.options().out_topic;
  for (std::size_t i = first; i < end; ++i) {
    if (out[i].topic != processed_topic) continue;  // a rejection
    processed_.fetch_add(1, std::memory_order_relaxed);
    signal_.handle({*processed_topic, out[i].key, out[i].payload, in.partition, in.offset}, out);
  }
  if (!publish_processed_) {  // this record's outputs without the processed records
    auto from = out.begin() + static_cast<std::ptrdiff_t>(first);
    out.erase(std::remove_if(from, out.end(), [&](const StageOutput& o) { return o.topic == processed_topic; }),
              out.end());
  }
}

}  // namespace tickflow
