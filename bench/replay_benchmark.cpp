// Replay throughput against its baseline on the same NDJSON file, in one process:
//   bare   simdjson On Demand parse of each line, reading every field (the floor any
//          JSON pipeline pays),
//   replay ReplayPipeline on each line: parse + validate + seq + indicators + signals +
//          write the output line (lines parsed in place, as `tickflow replay` does).
// Best of several alternating runs of each, so both see the same machine noise.
// Usage: replay_benchmark FILE [ROUNDS] [bare|replay]. Prints one JSON object. The last
// argument runs only that side (for a profiler: `perf record ... replay_benchmark F 3 replay`).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/services/replay/replay_pipeline.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string_view> split_lines(const std::string& text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.emplace_back(text.data() + start, nl - start);
    start = nl + 1;
  }
  return lines;
}

// Reads every member of every line as the type it has; returns a checksum so nothing is
// optimised away. The text is padded (simdjson's requirement) by the surrounding file.
// Members are used in place and names read raw (field.key(), no unescaping): the fastest
// idiomatic On Demand loop, so the baseline is not weakened by what replay avoids.
double bare_parse(const simdjson::padded_string& text, const std::vector<std::string_view>& lines) {
  simdjson::ondemand::parser parser;
  double sum = 0;
  for (auto line : lines) {
    std::size_t capacity = static_cast<std::size_t>(text.data() + text.size() + simdjson::SIMDJSON_PADDING - line.data());
    simdjson::ondemand::document doc;
    if (parser.iterate(line.data(), line.size(), capacity).get(doc)) continue;
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj)) continue;
    for (auto member : obj) {
      if (member.error()) break;
      simdjson::ondemand::field& f = member.value_unsafe();
      sum += static_cast<double>(f.key().raw()[0]);
      simdjson::ondemand::value& v = f.value();
      simdjson::ondemand::json_type t;
      if (v.type().get(t)) break;
      if (t == simdjson::ondemand::json_type::number) {
        double d = 0;
        if (!v.get_double().get(d)) sum += d;
      } else if (t == simdjson::ondemand::json_type::string) {
        std::string_view s;
        if (!v.get_string().get(s)) sum += static_cast<double>(s.size());
      }
    }
  }
  return sum;
}

std::uint64_t replay(const simdjson::padded_string& text, const std::vector<std::string_view>& lines) {
  tickflow::ReplayPipeline pipeline(tickflow::IndicatorPeriods{}, tickflow::SignalRules{}, tickflow::ValidationLimits{}, 1.8e9);
  tickflow::ReplayOutput out;
  std::uint64_t bytes = 0;
  std::uint64_t n = 0;
  for (auto line : lines) {
    auto readable = static_cast<std::size_t>(text.data() + text.size() + simdjson::SIMDJSON_PADDING - line.data());
    pipeline.handle_line(line, ++n, out, readable);
    if (out.records.size() > (1 << 20)) {  // as replay flushes to its file
      bytes += out.records.size();
      out.records.clear();
      out.alarms.clear();
      out.rejected.clear();
    }
  }
  return bytes + out.records.size() + pipeline.stats().accepted;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: replay_benchmark FILE [ROUNDS] [bare|replay]\n");
    return 2;
  }
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  std::string_view only = argc > 3 ? argv[3] : "";
  if (!only.empty() && only != "bare" && only != "replay") {
    std::fprintf(stderr, "replay_benchmark: the third argument is bare or replay, not %s\n", argv[3]);
    return 2;
  }
  simdjson::padded_string text;
  if (simdjson::padded_string::load(argv[1]).get(text)) {
    std::fprintf(stderr, "replay_benchmark: cannot read %s\n", argv[1]);
    return 1;
  }
  std::string copy(text.data(), text.size());
  auto lines = split_lines(copy);
  // Lines must point into the padded buffer for the bare parse.
  std::vector<std::string_view> padded_lines;
  for (auto l : lines) padded_lines.emplace_back(text.data() + (l.data() - copy.data()), l.size());

  double best_bare = 1e300, best_replay = 1e300;
  double checksum = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    if (only != "replay") checksum += bare_parse(text, padded_lines);
    auto t1 = Clock::now();
    if (only != "bare") checksum += static_cast<double>(replay(text, padded_lines));
    auto t2 = Clock::now();
    best_bare = std::min(best_bare, std::chrono::duration<double>(t1 - t0).count());
    best_replay = std::min(best_replay, std::chrono::duration<double>(t2 - t1).count());
  }
  double n = static_cast<double>(lines.size());
  fmt::print("{{\"lines\":{},\"rounds\":{},\"bare_parse_per_s\":{:.0f},\"replay_per_s\":{:.0f},\"ratio\":{:.3f},\"checksum\":{}}}\n",
             lines.size(), rounds, n / best_bare, n / best_replay, best_bare / best_replay, checksum);
  return 0;
}
