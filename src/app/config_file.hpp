// Reads a TOML config file into Settings, checking every key against the option table.
// Start-up code: throws ConfigError with the file, key and reason.
#pragma once

#include <string>
#include <string_view>

#include "src/app/settings.hpp"

namespace tickflow {

void load_config_file(const std::string& path, Settings& settings);
void load_config_text(std::string_view toml_text, std::string_view source_name, Settings& settings);

}  // namespace tickflow
