// One spdlog logger per module ("kafka", "ingest", "notify", ...), writing to stderr so
// that a command's standard output stays data. Level from TICKFLOW_LOG_LEVEL (default info).
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace tickflow {

// The logger called `name`, created on first use. Thread-safe.
std::shared_ptr<spdlog::logger> named_logger(const std::string& name);

}  // namespace tickflow
