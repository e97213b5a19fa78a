// Everything configurable, as typed values. Filled from built-in defaults, then the TOML
// file, then command-line flags (see options.hpp for the one declaration of each).
#pragma once

#include "src/core/validation_limits.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/services/generate/simulator_config.hpp"
#include "src/signals/signal_rules.hpp"

namespace tickflow {

struct Settings {
  IndicatorPeriods indicators;
  SignalRules signals;
  ValidationLimits validation;
  SimulatorConfig generate;
};

}  // namespace tickflow
