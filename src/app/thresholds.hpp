// Signal thresholds changed while tickflow runs (the dashboard's Thresholds dialog, or
// POST /api/thresholds): a change names options of [signals] without the prefix, e.g.
// {"rsi_buy_below": 25, "news_enabled": false}, checked exactly like the config file.
// An accepted change goes on the control topic, where the signal service applies it to the
// next records, and into DATA_DIR/thresholds.json, which `run` and `signal` read at start.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "src/app/settings.hpp"
#include "src/bus/bus.hpp"

namespace tickflow {

// Applies `change` to `rules`; nothing, or what is wrong (naming the field).
std::optional<std::string> apply_threshold_change(std::string_view change, SignalRules& rules);

// Every threshold as JSON, the keys as a change names them.
std::string signal_rules_json(const SignalRules& rules);

// Applies DATA_DIR/thresholds.json (the changes made so far) to `settings`; what it did,
// for the log, or nothing when there is no such file. Throws ConfigError when it is bad.
std::optional<std::string> load_saved_thresholds(Settings& settings, const std::string& data_dir);

class ThresholdsStore {
 public:
  ThresholdsStore(SignalRules current, Bus& bus, std::string control_topic, std::string data_dir);
  std::string current_json() const;
  // POST /api/thresholds: 200 with the rules now in force, or 400 naming the field.
  std::pair<int, std::string> change(std::string_view body);

 private:
  mutable std::mutex mutex_;
  SignalRules rules_;
  std::string saved_;  // the accumulated changes, as written to thresholds.json
  Bus& bus_;
  std::string topic_;
  std::string path_;
};

}  // namespace tickflow
