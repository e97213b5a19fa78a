// The ingest journal on a real file: records read back in the order appended, across a
// reopen; a last line cut short by a crash is ignored; clear() empties it only for the
// holder of its lock.
#include "src/store/ingest_journal.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tickflow {
namespace {

class IngestJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("tickflow-journal-{}", std::random_device{}());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ingest-journal.log").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::pair<std::string, std::string>> read_all(IngestJournal& j) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(j.read([&](std::string_view k, std::string_view p) { out.emplace_back(k, p); }).ok);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(IngestJournalTest, ReadsBackInOrderAcrossAReopen) {
  {
    IngestJournal j(path_);
    std::vector<OutgoingRecord> first = {{"AAPL", R"({"seq":1})"}, {"MSFT", R"({"seq":1,"headline":"a\tb"})"}};
    std::vector<OutgoingRecord> second = {{"AAPL", R"({"seq":2})"}};
    ASSERT_TRUE(j.append(first).ok);
    ASSERT_TRUE(j.append(second).ok);
  }
  IngestJournal j(path_);
  auto got = read_all(j);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"AAPL", R"({"seq":1})"}));
  EXPECT_EQ(got[1].second, R"({"seq":1,"headline":"a\tb"})") << "a tab in the payload stays (only the first splits)";
  EXPECT_EQ(got[2], (std::pair<std::string, std::string>{"AAPL", R"({"seq":2})"}));
  EXPECT_EQ(j.records(), 3u);
  EXPECT_GT(j.bytes(), 0u);
}

TEST_F(IngestJournalTest, ALineCutShortByACrashIsIgnored) {
  {
    IngestJournal j(path_);
    std::vector<OutgoingRecord> one = {{"AAPL", R"({"seq":1})"}};
    ASSERT_TRUE(j.append(one).ok);
  }
  std::ofstream(path_, std::ios::app) << "AAPL\t{\"seq\":2,\"clo";  // no LF: never acknowledged
  IngestJournal j(path_);
  auto got = read_all(j);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, R"({"seq":1})");
}

TEST_F(IngestJournalTest, ClearEmptiesItForTheHolderOnly) {
  IngestJournal j(path_);
  std::vector<OutgoingRecord> one = {{"AAPL", R"({"seq":1})"}};
  ASSERT_TRUE(j.append(one).ok);
  std::mutex other;
  std::unique_lock not_the_journals(other);
  EXPECT_FALSE(j.clear(not_the_journals).ok);
  {
    auto held = j.hold();
    ASSERT_TRUE(j.clear(held).ok);
  }
  EXPECT_TRUE(read_all(j).empty());
  EXPECT_EQ(j.bytes(), 0u);
  ASSERT_TRUE(j.append(one).ok) << "appends go on after it was emptied";
  EXPECT_EQ(read_all(j).size(), 1u);
}

TEST_F(IngestJournalTest, AnUnwritablePlaceIsAClearStartUpError) {
  try {
    IngestJournal j((dir_ / "no-such-dir" / "journal.log").string());
    FAIL() << "opened a journal in a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tickflow
