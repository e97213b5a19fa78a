#include "src/app/commands/generate_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "src/core/record_writer.hpp"
#include "src/services/common/stop_signal.hpp"
#include "src/services/generate/ingest_sender.hpp"
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
  const std::uint64_t count = args.count == 0 ? 1000 : args.count;
  for (std::uint64_t i = 0; i < count && ok; ++i) {
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
  fmt::print(stderr, "generate: wrote {} records to {}\n", count, args.out == "-" ? "stdout" : args.out);
  return 0;
}

int run_generate_http(const GenerateArgs& args, const Settings& settings) {
  StopSignal signals;  // before the sending threads start
  SenderOptions o;
  o.url = args.url;
  o.rate = args.rate;
  o.count = args.count;
  o.duration_seconds = args.duration;
  o.cpu = args.cpu;
  o.token = args.token;
  if (o.token.empty()) {
    if (const char* env = std::getenv("TICKFLOW_INGEST_TOKEN")) o.token = env;
  }
  o.seed = args.seed;
  o.symbols = args.symbols;
  fmt::print(stderr, "generate: sending to {} ({}); Ctrl-C stops\n", o.url,
             o.rate > 0 ? fmt::format("{} records/s in NDJSON batches", o.rate)
                        : std::string("one record every 1-5 s from two threads, like the original generator"));
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  SenderReport report;
  std::thread sender([&] {
    report = send_to_ingest(o, settings.generate, stop);
    done = true;
  });
  while (!done) {
    if (int sig = signals.wait(std::chrono::milliseconds(200)); sig != 0) {
      fmt::print(stderr, "generate: signal {}: finishing the request in hand\n", sig);
      stop = true;
    }
  }
  sender.join();
  fmt::print(stderr, "generate: {} records made, {} accepted, {} rejected, {} unsent, {} requests, {} retries in {:.1f} s\n",
             report.generated, report.accepted, report.rejected, report.unsent, report.requests, report.retries,
             report.seconds);
  if (!report.fatal.empty()) {
    fmt::print(stderr, "generate: stopped: {}\n", report.fatal);
    return 1;
  }
  return 0;
}

}  // namespace tickflow
