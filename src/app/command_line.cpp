#include "src/app/command_line.hpp"

#include <fmt/format.h>

#include "src/app/config_file.hpp"
#include "src/app/options.hpp"

namespace tickflow {

void ConfigFlags::add_to(CLI::App& command) {
  command.add_option("--config", config_path_, "TOML config file (every option: config/tickflow.toml)")
      ->check(CLI::ExistingFile);
  // Short spellings of the options users type most (the names users knew from the original design); they set the same
  // declared options as their long forms.
  command.add_option_function<std::string>("--bus", [this](const std::string& v) { given_["bus.kind"] = v; },
                                           "Same as --bus.kind: memory or kafka")
      ->group("Configuration (also settable in the --config file)")
      ->type_name("memory|kafka");
  command.add_option_function<std::string>("--brokers", [this](const std::string& v) { given_["kafka.brokers"] = v; },
                                           "Same as --kafka.brokers: host:port[,host:port...]")
      ->group("Configuration (also settable in the --config file)")
      ->type_name("HOSTS");
  command.add_option("--kafka-setting", kafka_settings_,
                     "A librdkafka setting passed through as is, KEY=VALUE (repeatable; also kafka.<KEY> in the file)")
      ->group("Configuration (also settable in the --config file)")
      ->type_name("KEY=VALUE");
  for (const auto& spec : option_specs()) {
    std::string key(spec.key);
    std::string help = fmt::format("{} [default: {}]", spec.help, format_option_value(spec.default_value));
    command.add_option_function<std::string>("--" + key, [this, key](const std::string& text) { given_[key] = text; }, help)
        ->group("Configuration (also settable in the --config file)")
        ->type_name(spec.default_value.index() == 0 ? "BOOL" : spec.default_value.index() == 3 ? "TEXT" : "VALUE");
  }
}

Settings ConfigFlags::resolve() const {
  Settings settings;
  if (!config_path_.empty()) load_config_file(config_path_, settings);
  for (const auto& [key, text] : given_) {
    const OptionSpec* spec = find_option(key);
    spec->apply(settings, parse_option_text(*spec, text));
  }
  for (const auto& item : kafka_settings_) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(fmt::format("--kafka-setting '{}': expected KEY=VALUE", item));
    }
    settings.kafka.librdkafka.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  check_settings(settings);
  return settings;
}

}  // namespace tickflow
