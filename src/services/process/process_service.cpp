#include "src/services/process/process_service.hpp"

#include <chrono>

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
    : bus_(bus), options_(std::move(options)), parser_(options_.limits) {}

void ProcessService::run(std::stop_token stop) {
  auto input = bus_.subscribe({options_.in_topic}, options_.group);
  named_logger("process")->info("{} → {} (group {})", options_.in_topic, options_.out_topic, options_.group);
  run_stage(bus_, *input, [this](const BusRecord& in, std::vector<StageOutput>& out) { handle(in, out); }, counters_,
            stop);
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
  KeyState& state = entry_for(keys_, record_.partition_key());
  if (record_.seq) {
    if (*record_.seq <= state.last_seq) {
      duplicates_.fetch_add(1);  // delivered again after a restart or rebalance: already applied
      return;
    }
    state.last_seq = *record_.seq;
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
