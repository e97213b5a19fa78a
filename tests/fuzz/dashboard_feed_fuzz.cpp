// libFuzzer target for what the dashboard reads off the bus (any producer can write to
// those topics): records, alarms, notifications and summaries of any bytes go into one
// feed; the snapshot a page receives must always be valid JSON, and so must every live
// message, whatever came in.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

#include "src/services/dashboard/dashboard_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tickflow::FeedLimits limits;
  limits.bars_per_symbol = 4;
  limits.max_symbols = 8;
  limits.recent = 4;
  limits.resume_window = 16;
  tickflow::DashboardFeed feed(limits, "fuzz");
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // Newline-separated payloads; the first byte of each picks the source.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    auto end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (line.empty()) continue;
    auto source = static_cast<tickflow::FeedSource>(static_cast<unsigned char>(line[0]) % 4);
    for (const auto& m : feed.add(source, line.substr(1))) {
      if (parser.parse(m.text).get(doc)) std::abort();
    }
  }
  if (parser.parse(feed.snapshot()).get(doc)) std::abort();
  if (parser.parse(feed.signals_json("", "")).get(doc)) std::abort();
  if (parser.parse(feed.summary_json("")).get(doc)) std::abort();
  return 0;
}
