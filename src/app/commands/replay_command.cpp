#include "src/app/commands/replay_command.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "src/core/unix_clock.hpp"
#include "src/services/replay/record_line_writer.hpp"
#include "src/services/replay/replay_pipeline.hpp"

namespace tickflow {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t read_chunk = 1 << 20;
constexpr std::size_t flush_at = 1 << 20;

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr && f != stdin && f != stdout && f != stderr) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path, bool write, std::FILE* dash) {
  if (path == "-") return File(dash);
  return File(std::fopen(path.c_str(), write ? "wb" : "rb"));
}

// Writes and empties `buffer`; false on a write error.
bool drain(std::string& buffer, std::FILE* to) {
  if (buffer.empty()) return true;
  bool ok = to == nullptr || std::fwrite(buffer.data(), 1, buffer.size(), to) == buffer.size();
  buffer.clear();
  return ok;
}

}  // namespace

int run_replay(const ReplayArgs& args, const Settings& settings) {
  File in = open_file(args.in, false, stdin);
  if (!in) {
    fmt::print(stderr, "replay: cannot open input {}: {}\n", args.in, std::strerror(errno));
    return 1;
  }
  File out = open_file(args.out, true, stdout);
  if (!out) {
    fmt::print(stderr, "replay: cannot open output {}: {}\n", args.out, std::strerror(errno));
    return 1;
  }
  File rejected = args.rejected.empty() ? File(stderr) : open_file(args.rejected, true, stdout);
  if (!rejected) {
    fmt::print(stderr, "replay: cannot open rejected-lines file {}: {}\n", args.rejected, std::strerror(errno));
    return 1;
  }
  File alarms = args.alarms.empty() ? File(nullptr) : open_file(args.alarms, true, stdout);
  if (!args.alarms.empty() && !alarms) {
    fmt::print(stderr, "replay: cannot open alarms file {}: {}\n", args.alarms, std::strerror(errno));
    return 1;
  }

  SignalRules rules = settings.signals;
  rules.rsi_period = settings.indicators.rsi;
  ReplayPipeline pipeline(settings.indicators, rules, settings.validation, args.now > 0 ? args.now : unix_now());
  ReplayOutput output;
  const std::size_t max_line = pipeline.max_line_bytes();
  // Two blocks, one being analysed here while the writer formats the other's records. Each
  // has room in front for the partial line carried over from the block before (at most
  // max_line bytes: longer ones are skipped) and the parser's padding after its data.
  const std::size_t front_room = max_line + 1;
  ReplayBlock blocks[2];
  for (auto& b : blocks) b.bytes.resize(front_room + read_chunk + record_padding);
  RecordLineWriter writer(out.get(), flush_at);
  std::string_view carry;  // the partial line at the end of the last block
  std::uint64_t line_no = 1;
  bool skipping = false;  // inside a line longer than max_line: counted, not kept
  std::uint64_t skipped_length = 0;
  std::string skipped_start;

  const auto started = Clock::now();
  auto last_progress = started;
  bool write_ok = true;
  auto flush = [&](bool force) {
    if (force || output.rejected.size() >= flush_at) write_ok &= drain(output.rejected, rejected.get());
    if (force || output.alarms.size() >= flush_at) write_ok &= drain(output.alarms, alarms.get());
  };

  for (int k = 0;; k ^= 1) {
    ReplayBlock& block = writer.take(blocks[k]);  // waits until the writer is done with it
    char* data = block.bytes.data() + front_room;
    if (!carry.empty()) std::memcpy(data - carry.size(), carry.data(), carry.size());  // from the other block
    std::size_t n = std::fread(data, 1, read_chunk, in.get());
    const char* base = data - carry.size();
    const std::size_t readable_from_base = block.bytes.size() - front_room + carry.size();
    if (n == 0) {
      if (std::ferror(in.get())) {
        const int read_error = errno;
        writer.finish();
        fmt::print(stderr, "replay: reading {} failed: {}\n", args.in, std::strerror(read_error));
        return 1;
      }
      if (skipping) {
        pipeline.reject_unreadable(line_no, skipped_length, skipped_start, output);
      } else if (!carry.empty()) {  // a last line without a newline
        block.analyse(pipeline, std::string_view(base, carry.size()), line_no, output, readable_from_base);
      }
      writer.give(block);
      break;
    }
    const std::size_t have = carry.size() + n;
    std::size_t pos = 0;
    while (pos < have) {
      const char* start = base + pos;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', have - pos));
      if (newline == nullptr) break;
      std::size_t len = static_cast<std::size_t>(newline - start);
      if (skipping) {
        pipeline.reject_unreadable(line_no, skipped_length + len, skipped_start, output);
        skipping = false;
      } else if (len > max_line) {
        pipeline.reject_unreadable(line_no, len, std::string_view(start, 200), output);
      } else {
        block.analyse(pipeline, std::string_view(start, len), line_no, output, readable_from_base - pos);
      }
      ++line_no;
      pos += len + 1;
    }
    std::size_t rest = have - pos;
    carry = {};
    if (skipping) {
      skipped_length += rest;
    } else if (rest > max_line) {
      skipping = true;
      skipped_length = rest;
      skipped_start.assign(base + pos, 200);
    } else {
      carry = std::string_view(base + pos, rest);  // copied into the other block next round
    }
    writer.give(block);
    flush(false);
    if (!write_ok || !writer.ok()) break;
    auto now = Clock::now();
    if (args.progress && now - last_progress >= std::chrono::seconds(2)) {
      last_progress = now;
      double secs = std::chrono::duration<double>(now - started).count();
      fmt::print(stderr, "replay: {} lines so far ({:.0f} lines/s)\n", pipeline.stats().lines,
                 static_cast<double>(pipeline.stats().lines) / secs);
    }
  }
  const bool records_written = writer.finish();
  flush(true);
  for (std::FILE* f : {out.get(), rejected.get(), alarms.get()}) {
    if (f != nullptr && std::fflush(f) != 0) write_ok = false;
  }
  if (!records_written || !write_ok) {
    fmt::print(stderr, "replay: writing output failed: {}\n", !records_written ? writer.error() : std::strerror(errno));
    return 1;
  }

  const auto& s = pipeline.stats();
  double secs = std::chrono::duration<double>(Clock::now() - started).count();
  fmt::print(stderr, "replay: {} accepted, {} rejected, {} alarms, {} lines in {:.3f} s ({:.0f} lines/s)\n",
             s.accepted, s.rejected, s.alarms, s.lines, secs, secs > 0 ? static_cast<double>(s.lines) / secs : 0.0);
  return 0;
}

}  // namespace tickflow
