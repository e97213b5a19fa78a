// libFuzzer target for configuration from outside: a TOML config file and a threshold
// change posted to the dashboard. Either is accepted and leaves settings the checks allow
// (buy levels below sell levels), or is refused with a ConfigError / a message; nothing
// else may escape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/app/config_file.hpp"
#include "src/app/options.hpp"
#include "src/app/thresholds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tickflow::Settings settings;
  try {
    tickflow::load_config_text(input, "fuzz.toml", settings);
    tickflow::check_settings(settings);
  } catch (const tickflow::ConfigError&) {
  }
  tickflow::SignalRules rules;
  if (!tickflow::apply_threshold_change(input, rules)) {
    if (!(rules.rsi_buy_below < rules.rsi_sell_above) || !(rules.pe_buy_below < rules.pe_sell_above)) std::abort();
  }
  return 0;
}
