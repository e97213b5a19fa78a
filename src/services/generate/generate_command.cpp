#include "src/services/generate/generate_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "src/core/record_writer.hpp"
#include "src/services/generate/market_simulator.hpp"

namespace tickflow {

int run_generate(const GenerateArgs& args, const Settings& settings) {
  std::FILE* out = args.out == "-" ? stdout : std::fopen(args.out.c_str(), "wb");
  if (out == nullptr) {
    fmt::print(stderr, "generate: cannot open {}: {}\n", args.out, std::strerror(errno));
    return 1;
  }
  MarketSimulator sim(args.symbols.empty() ? default_symbols : args.symbols, args.seed, settings.generate);
  std::string buffer;
  bool ok = true;
  for (std::uint64_t i = 0; i < args.count && ok; ++i) {
    write_record(args.ticks_only ? sim.next_tick() : sim.next(), buffer);
    buffer += '\n';
    if (buffer.size() >= (1 << 20)) {
      ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
      buffer.clear();
    }
  }
  ok = ok && std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
  ok = (std::fflush(out) == 0) && ok;
  if (out != stdout) ok = (std::fclose(out) == 0) && ok;
  if (!ok) {
    fmt::print(stderr, "generate: writing {} failed: {}\n", args.out, std::strerror(errno));
    return 1;
  }
  fmt::print(stderr, "generate: wrote {} records to {}\n", args.count, args.out == "-" ? "stdout" : args.out);
  return 0;
}

}  // namespace tickflow
