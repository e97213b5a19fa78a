// `tickflow run` on the in-memory bus, killed with SIGKILL mid-stream and started again on
// the same data dir, resumes where it stopped: a client sends a fixed file in batches and
// resends what was not answered 200; the alarms delivered (one .eml per alarm, digests
// off) are exactly those of an uninterrupted run, none twice. An alarm is compared by what
// it says (the mail's text: side, symbol, price, reason with its values, indicators, bar
// time), not by its id: after a restart ingest numbers above every seq it reserved, so
// later records carry other seqs, by design. The kill comes right after a
// large batch was answered, while the stages are still working through it, so it tests
// both promises: a 200 means the records are durable (the ingest journal), and the stages'
// state and the outbox pick up exactly where they were.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/common/child_process.hpp"
#include "tests/common/raw_http.hpp"

namespace tickflow::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class RunResume : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("tickflow-resume-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
    input_ = (work_ / "input.ndjson").string();
    int status = 0;
    run_and_capture({tickflow_, "generate", "--out", input_, "--count", "6000", "--seed", "11"}, &status);
    ASSERT_EQ(status, 0);
    std::ifstream in(input_);
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
    ASSERT_EQ(lines_.size(), 6000u);
  }
  void TearDown() override { fs::remove_all(work_); }

  // `tickflow run` on `data_dir`, ready once ingest answers.
  std::unique_ptr<ChildProcess> start(const fs::path& data_dir) {
    ingest_port_ = free_port();
    auto child = std::make_unique<ChildProcess>(
        std::vector<std::string>{tickflow_, "run", "--generator", "off", "--data-dir", data_dir.string(),
                                 "--ingest.listen", "127.0.0.1:" + std::to_string(ingest_port_), "--dashboard.listen",
                                 "127.0.0.1:" + std::to_string(free_port()), "--notify.digest_per_minute", "0"});
    for (int i = 0; i < 400; ++i) {
      if (raw_request(ingest_port_, "GET", "/healthz").status == 200) return child;
      std::this_thread::sleep_for(25ms);
    }
    ADD_FAILURE() << "tickflow run did not start";
    return child;
  }

  // Sends lines [from, to) as one NDJSON request; true when answered 200.
  bool send(std::size_t from, std::size_t to) {
    std::string body;
    for (std::size_t i = from; i < to; ++i) body += lines_[i] + "\n";
    auto r = raw_request(ingest_port_, "POST", "/ingest", {"Content-Type: application/x-ndjson"}, body);
    return r.status == 200;
  }

  // Sends lines [from, to) in batches of `batch`, each until it is answered 200.
  void send_all(std::size_t from, std::size_t to, std::size_t batch) {
    for (std::size_t i = from; i < to; i += batch) {
      int tries = 0;
      while (!send(i, std::min(to, i + batch))) {
        ASSERT_LT(++tries, 100) << "batch at line " << i << " never accepted";
        std::this_thread::sleep_for(50ms);
      }
    }
  }

  static std::string base64_decode(const std::string& text) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned value = 0;
    int bits = 0;
    for (char c : text) {
      auto at = alphabet.find(c);
      if (at == std::string::npos) continue;  // line breaks, padding
      value = (value << 6) | static_cast<unsigned>(at);
      if ((bits += 6) >= 8) out += static_cast<char>((value >> (bits -= 8)) & 0xff);
    }
    return out;
  }

  // What each delivered alarm says (its mail's text part without the id line) → how many
  // mails said it.
  static std::map<std::string, int> mails(const fs::path& data_dir) {
    std::map<std::string, int> alarms;
    for (const auto& f : fs::directory_iterator(data_dir / "mail" / "new")) {
      std::ifstream in(f.path());
      std::string line, encoded;
      bool in_text = false, in_body = false;
      while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("Content-Type: text/plain", 0) == 0)
          in_text = true;
        else if (in_text && !in_body && line.empty())
          in_body = true;
        else if (in_body && line.rfind("--", 0) == 0)
          break;
        else if (in_body)
          encoded += line;
      }
      std::string text = base64_decode(encoded), said;
      std::istringstream lines(text);
      for (std::string l; std::getline(lines, l);) {
        if (l.rfind("Alarm id:", 0) != 0) said += l + "\n";
      }
      ++alarms[said];
    }
    return alarms;
  }

  const std::string tickflow_ = std::getenv("TICKFLOW");
  fs::path work_;
  std::string input_;
  std::vector<std::string> lines_;
  std::uint16_t ingest_port_ = 0;
};

TEST_F(RunResume, KillMidStreamThenRestartGivesTheSameAlarmsOnce) {
  // The uninterrupted run.
  const fs::path whole = work_ / "whole";
  {
    auto run = start(whole);
    send_all(0, lines_.size(), 100);
    EXPECT_EQ(WEXITSTATUS(run->stop()), 0);
  }
  const auto expected = mails(whole);
  ASSERT_GT(expected.size(), 10u) << "the input should raise alarms";

  // The same input, killed right after a large batch was answered, then resumed.
  const fs::path killed = work_ / "killed";
  {
    auto run = start(killed);
    send_all(0, 2000, 100);
    ASSERT_TRUE(send(2000, 4000)) << "2,000 records in one request";
    run->signal(SIGKILL);
    run->wait();
  }
  {
    auto run = start(killed);
    send_all(4000, lines_.size(), 100);
    EXPECT_EQ(WEXITSTATUS(run->stop()), 0);
  }
  const auto got = mails(killed);
  std::vector<std::string> missing, extra, twice;
  for (const auto& [id, n] : expected) {
    if (!got.count(id)) missing.push_back(id);
  }
  for (const auto& [id, n] : got) {
    if (!expected.count(id)) extra.push_back(id);
    if (n > 1) twice.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " alarms of the uninterrupted run never came, e.g.\n"
                               << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size() << " alarms the uninterrupted run did not raise, e.g.\n" << extra.front();
  EXPECT_TRUE(twice.empty()) << twice.size() << " alarms delivered twice, e.g.\n" << twice.front();
  EXPECT_EQ(got.size(), expected.size());
  std::cout << "uninterrupted: " << expected.size() << " alarms; killed and resumed: " << got.size() << "\n";
}

}  // namespace
}  // namespace tickflow::testing
