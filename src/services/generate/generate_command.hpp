// `tickflow generate --out FILE`: writes simulated records as NDJSON, no network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/app/settings.hpp"

namespace tickflow {

struct GenerateArgs {
  std::string out = "-";
  std::uint64_t count = 1000;
  std::uint64_t seed = 1;
  std::vector<std::string> symbols;  // empty: the original generator's five
  bool ticks_only = false;
};

// Returns the exit code: 0 when every record was written, 1 on an I/O error.
int run_generate(const GenerateArgs& args, const Settings& settings);

}  // namespace tickflow
