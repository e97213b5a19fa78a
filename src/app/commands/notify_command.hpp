// Wiring of the notifier from settings: its channels (secrets from the environment), its
// outbox under the data dir, and the `tickflow notify` command with --list-failed and
// --retry-failed. The service itself runs from run_command (alone or inside `tickflow run`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/app/settings.hpp"
#include "src/services/notify/channel.hpp"
#include "src/services/notify/notify_service.hpp"

namespace tickflow {

struct NotifyArgs {
  std::string group = "notify";
  std::string data_dir = "var";
  bool list_failed = false;
  bool retry_failed = false;
  std::string retry_channel;  // with --retry-failed: only this channel
};

// DATA_DIR/notify-GROUP.sqlite, after checking the data dir can be written (throws
// std::runtime_error with the reason when it cannot).
std::string outbox_path(const std::string& data_dir, const std::string& group);

std::vector<std::unique_ptr<Channel>> make_channels(const Settings& settings, const std::string& data_dir);
NotifyOptions notify_options(const Settings& settings, const std::string& group);

// `tickflow notify --list-failed`: dead-lettered deliveries as a table, with the last error.
int list_failed_deliveries(const NotifyArgs& args, const Settings& settings);
// `tickflow notify --retry-failed [CHANNEL]`: dead deliveries back to pending; a running
// notifier picks them up.
int retry_failed_deliveries(const NotifyArgs& args, const Settings& settings);

}  // namespace tickflow
