// The one declaration of every configuration option: TOML key, type, default, help text,
// allowed range. The config file loader, the command-line flags (--<key>), --help and
// config/tickflow.toml are all produced from this table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "src/app/settings.hpp"

namespace tickflow {

using OptionValue = std::variant<bool, std::int64_t, double, std::string>;

struct OptionSpec {
  std::string_view key;   // "section.name", as in the TOML file and the --flag
  std::string_view help;
  OptionValue default_value;  // also fixes the option's type
  double min = 0;             // numeric options: allowed range, inclusive
  double max = 0;
  std::function<void(Settings&, const OptionValue&)> apply;
  std::vector<std::string_view> choices;  // string options: allowed values (empty: any non-empty)
};

// Thrown at start-up for a bad config file or flag; the message names the option.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::span<const OptionSpec> option_specs();
const OptionSpec* find_option(std::string_view key);

// Converts text (a flag's value) to the option's type and checks its range.
OptionValue parse_option_text(const OptionSpec& spec, std::string_view text);
// Checks a typed value's range; throws ConfigError naming the option.
void check_option_value(const OptionSpec& spec, const OptionValue& value);
// Whether `key` (as in the file, "kafka.socket.timeout.ms") is a librdkafka setting to
// pass through, and the librdkafka key ("socket.timeout.ms").
// "a, b,c" → {"a", "b", "c"}: list-valued options (notify.channels, notify.smtp_to).
std::vector<std::string> split_list(std::string_view text);

std::optional<std::string_view> librdkafka_key(std::string_view key);

// Rules that involve more than one option (buy threshold below sell threshold, ...).
void check_settings(const Settings& settings);

std::string format_option_value(const OptionValue& value);
std::string_view option_type_name(const OptionValue& value);

// The commented TOML file with every option at its default (config/tickflow.toml).
std::string default_config_toml();

}  // namespace tickflow
