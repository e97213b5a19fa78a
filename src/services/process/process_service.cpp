#include "src/services/process/process_service.hpp"
#include "src/services/common/output_topics.hpp"
#include "src/core/unix_clock.hpp"

#include <chrono>

#include <fmt/format.h>

#include "src/core/record_writer.hpp"
#include "src/log/named_logger.hpp"

namespace tickflow {

ProcessService::ProcessService(Bus& bus, ProcessOptions options)
    : bus_(bus), options_(std::move(options)), parser_(options_.limits),
      keys_("process", [] { return std::optional<IndicatorSet>(); }) {
  if (options_.state_path.empty()) return;
  const auto& p = options_.periods;
  keys_.open(
      options_.state_path, fmt::format("process ma={} ema={} rsi={}", p.ma, p.ema, p.rsi),
      [](const std::optional<IndicatorSet>& s, StateWriter& w) {
        if (s) s->save(w);
      },
      [this](std::optional<IndicatorSet>& s, StateReader& r) {
        if (r.at_end()) return true;  // a key that never had a tick
        return s.emplace(options_.periods).load(r);
      });
}

void ProcessService::run(std::stop_token stop) {
  ensure_output_topics(bus_, {options_.out_topic, options_.rejected_topic}, "process");
  auto input = bus_.subscribe({options_.in_topic}, options_.group);
  input->set_busy_poll(options_.busy_poll);
  named_logger("process")->info("{} → {} (group {})", options_.in_topic, options_.out_topic, options_.group);
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop, stage_hooks());
  input->close();
}

void ProcessService::handle(const BusRecord& in, std::vector<StageOutput>& out) {
  if (!parser_.parse(in.payload, unix_now(), RecordSource::pipeline, record_, errors_)) {
    return reject_unparseable(in, errors_, &options_.rejected_topic, out);
  }
  // Size first: the extra lookup is paid only at the limit, not on every record.
  if (keys_.size() >= options_.limits.max_symbols && !keys_.holds(record_.partition_key())) {
    ValidationErrors too_many{{record_.type == DataType::economic_indicator ? "indicator_name" : "stock_symbol",
                               fmt::format("a new key past the limit of {} distinct symbols this processor keeps state "
                                           "for (validation.max_symbols)",
                                           options_.limits.max_symbols)}};
    return reject_unparseable(in, too_many, &options_.rejected_topic, out);
  }
  auto* entry = keys_.apply(record_.partition_key(), record_.seq);
  if (entry == nullptr) return;  // delivered again after a restart or rebalance: already applied
  std::string payload;
  if (record_.type == DataType::stock) {
    if (!entry->state) entry->state.emplace(options_.periods);
    append_indicator_fields(in.payload, entry->state->update(std::get<StockTick>(record_.body).closing_price), payload);
  } else {
    payload.assign(in.payload);
  }
  out.push_back({&options_.out_topic, std::string(record_.partition_key()), std::move(payload)});
}

}  // namespace tickflow
