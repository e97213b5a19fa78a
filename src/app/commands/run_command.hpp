// The composition root for long-running commands: `tickflow run` wires generate → ingest
// → process → signal → notify, and aggregate, in one process; `tickflow process`,
// `signal`, `aggregate` and `notify` run one stage each. The bus is built by the caller.
#pragma once

#include <cstdint>
#include <string>

#include "src/app/settings.hpp"
#include "src/bus/bus.hpp"
#include "src/services/common/stop_signal.hpp"

namespace tickflow {

struct RunArgs {
  bool generator = true;      // --generator on|off
  double rate = 50;           // records/s the built-in generator sends; 0: the original 1-5 s pacing
  std::uint64_t seed = 0;     // 0: from the clock
  std::string data_dir = "var";
  double status_every = 5;    // seconds between status lines
};

int run_all(const RunArgs& args, const Settings& settings, Bus& bus, StopSignal& stop);

// One stage as its own process, until SIGINT/SIGTERM.
// State is checkpointed to DATA_DIR/<stage>-<group>.sqlite.
int run_process_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                      const std::string& data_dir);
int run_signal_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                     const std::string& data_dir);
// `tickflow process --with-signal`: both stages in one process, chained on one thread as
// `tickflow run` runs them (ProcessSignalChain): a tick crosses the broker once on its way
// to its signal instead of twice. Processed records are still published. The signal
// stage's state is checkpointed to DATA_DIR/signal-<signal_group>.sqlite, so a data dir
// holding both stages' checkpoints switches between the two ways without loss.
int run_chained_stages(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& process_group,
                       const std::string& signal_group, const std::string& data_dir);
int run_aggregate_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group);
// History at DATA_DIR/dashboard-<group>.sqlite; serves dashboard.listen.
int run_dashboard_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                        const std::string& data_dir);
// Outbox at DATA_DIR/notify-<group>.sqlite; channels from [notify].
int run_notify_stage(const Settings& settings, Bus& bus, StopSignal& stop, const std::string& group,
                     const std::string& data_dir);

}  // namespace tickflow
