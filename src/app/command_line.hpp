// Adds the configuration options (one flag per entry of the option table) to a CLI11
// command and turns what was given into Settings: defaults, then --config FILE, then flags.
#pragma once

#include <map>
#include <vector>
#include <string>

#include <CLI/CLI.hpp>

#include "src/app/settings.hpp"

namespace tickflow {

class ConfigFlags {
 public:
  // Registers --config and every --<section>.<name> option on `command`.
  void add_to(CLI::App& command);
  // Throws ConfigError naming the file, flag or option at fault.
  Settings resolve() const;

 private:
  std::string config_path_;
  std::map<std::string, std::string> given_;  // flag key → text, only those set
  std::vector<std::string> kafka_settings_;   // KEY=VALUE for librdkafka
};

}  // namespace tickflow
