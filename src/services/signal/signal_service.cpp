#include "src/services/signal/signal_service.hpp"
#include "src/services/common/output_topics.hpp"
#include "src/core/unix_clock.hpp"

#include <chrono>

#include "src/core/record_writer.hpp"
#include "src/log/named_logger.hpp"

namespace tickflow {

SignalService::SignalService(Bus& bus, SignalOptions options)
    : bus_(bus), options_(std::move(options)), parser_(options_.limits), engine_(options_.rules),
      keys_("signal", [] { return SignalState{}; }) {
  if (options_.state_path.empty()) return;
  keys_.open(
      options_.state_path, "signal v1", [](const SignalState& s, StateWriter& w) { s.save(w); },
      [](SignalState& s, StateReader& r) { return s.load(r); });
}

void SignalService::run(std::stop_token stop) {
  ensure_output_topics(bus_, {options_.signals_topic, options_.alarms_topic, options_.rejected_topic}, "signal");
  std::vector<std::string> topics = {options_.in_topic};
  if (!options_.control_topic.empty()) topics.push_back(options_.control_topic);
  auto input = bus_.subscribe(topics, options_.group);
  named_logger("signal")->info("{} → {} and {} (group {})", options_.in_topic, options_.signals_topic,
                               options_.alarms_topic, options_.group);
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop, stage_hooks());
  input->close();
}

void SignalService::handle(const BusRecord& in, std::vector<StageOutput>& out) {
  if (!options_.control_topic.empty() && in.topic == options_.control_topic) {
    SignalRules rules = engine_.rules();
    if (!options_.apply_control) return;
    if (auto error = options_.apply_control(in.payload, rules)) {
      named_logger("signal")->warn("threshold change refused: {} ({})", *error, in.payload);
    } else {
      engine_.set_rules(rules);
      named_logger("signal")->info("thresholds changed: {}", in.payload);
    }
    return;
  }
  if (!parser_.parse(in.payload, unix_now(), RecordSource::pipeline, record_, errors_)) {
    return reject_unparseable(in, errors_, &options_.rejected_topic, out);
  }
  auto* entry = keys_.apply(record_.partition_key(), record_.seq);
  if (entry == nullptr) return;  // already applied
  const bool raised = engine_.evaluate(record_, entry->state, alarm_);
  std::string payload;
  append_signal_fields(in.payload, *record_.signal, payload);
  std::string key(record_.partition_key());
  out.push_back({&options_.signals_topic, key, std::move(payload)});
  if (raised) {
    alarms_.fetch_add(1);
    std::string a;
    write_alarm(alarm_, a);
    out.push_back({&options_.alarms_topic, std::move(key), std::move(a)});
  }
}

}  // namespace tickflow
