// RecordLineWriter: the records of the blocks given are written in the order given, each
// block handed back once its lines are written and reusable; a failed write is reported
// with its reason and does not leave the caller waiting for a block. ReplayPipeline's two
// halves (analyse, then write_accepted) write what handle_line writes.
#include "src/services/replay/record_line_writer.hpp"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "src/services/replay/replay_pipeline.hpp"

namespace tickflow {
namespace {

constexpr double now = 1767225600;

std::string tick_line(int i) {
  return fmt::format(R"({{"stock_symbol":"S{}","opening_price":100,"closing_price":{},"high":200,"low":50,"volume":10,"timestamp":{}}})",
                     i % 3, 100 + i % 7, 1735689600 + i);
}

// Analyses `count` lines starting at `first` into `block` (its bytes hold the lines).
void fill(ReplayPipeline& p, ReplayBlock& block, int first, int count, ReplayOutput& side) {
  std::string text;
  for (int i = first; i < first + count; ++i) text += tick_line(i) + "\n";
  block.bytes.assign(text.begin(), text.end());
  block.bytes.resize(text.size() + record_padding);
  std::size_t pos = 0;
  for (int i = 0; i < count; ++i) {
    std::size_t nl = text.find('\n', pos);
    block.analyse(p, std::string_view(block.bytes.data() + pos, nl - pos), static_cast<std::uint64_t>(first + i + 1),
                  side, block.bytes.size() - pos);
    pos = nl + 1;
  }
}

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  return s;
}

TEST(RecordLineWriter, WritesBlocksInTheOrderGivenAsHandleLineWould) {
  ReplayPipeline two_stage(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayPipeline one_stage(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput expected, side;
  for (int i = 0; i < 300; ++i) one_stage.handle_line(tick_line(i), static_cast<std::uint64_t>(i + 1), expected);

  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ReplayBlock blocks[2];
  {
    RecordLineWriter writer(out, 512);  // small writes: many of them per block
    for (int b = 0; b < 6; ++b) {       // each block taken back and reused three times
      ReplayBlock& block = writer.take(blocks[b % 2]);
      EXPECT_EQ(block.count, 0u);
      fill(two_stage, block, b * 50, 50, side);
      writer.give(block);
    }
    EXPECT_TRUE(writer.finish());
    EXPECT_TRUE(writer.ok());
  }
  EXPECT_EQ(read_all(out), expected.records);
  EXPECT_EQ(side.alarms, expected.alarms);
  EXPECT_EQ(two_stage.stats().accepted, 300u);
  std::fclose(out);
}

TEST(RecordLineWriter, AFailedWriteIsReportedAndBlocksStillComeBack) {
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr) << "/dev/full is on every Linux";
  std::setvbuf(full, nullptr, _IONBF, 0);  // fwrite fails at once, not at fclose
  ReplayPipeline p(IndicatorPeriods{}, SignalRules{}, ValidationLimits{}, now);
  ReplayOutput side;
  ReplayBlock blocks[2];
  RecordLineWriter writer(full, 64);
  for (int b = 0; b < 8; ++b) {  // take() would wait forever if a dropped block were not handed back
    ReplayBlock& block = writer.take(blocks[b % 2]);
    fill(p, block, b * 20, 20, side);
    writer.give(block);
  }
  EXPECT_FALSE(writer.finish());
  EXPECT_FALSE(writer.ok());
  EXPECT_NE(writer.error().find("No space left"), std::string::npos) << writer.error();
  std::fclose(full);
}

TEST(RecordLineWriter, FinishingWithNothingGivenWritesNothing) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  RecordLineWriter writer(out, 1024);
  EXPECT_TRUE(writer.finish());
  EXPECT_TRUE(writer.finish()) << "a second finish (as the destructor makes) is harmless";
  EXPECT_EQ(read_all(out), "");
  std::fclose(out);
}

}  // namespace
}  // namespace tickflow
