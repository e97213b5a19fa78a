// The notify tests' receivers: the real SMTP server (aiosmtpd) and the webhook receiver
// in tests/integration/notify/, run as child processes, and what they received.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/core/alarm.hpp"
#include "tests/common/child_process.hpp"

namespace tickflow::testing {

struct Received {
  std::string message_id;  // SMTP: Message-ID; webhook: Idempotency-Key
  std::size_t alarms = 0;
  std::string text;        // SMTP: the plain-text body; webhook: the body JSON
  int status = 250;
  bool signature_ok = false;
};

class Sink {
 public:
  // `script` is smtp_sink.py or webhook_sink.py; `extra` its further flags.
  Sink(const std::string& script, std::uint16_t port, const std::string& out, std::vector<std::string> extra = {})
      : out_(out) {
    std::vector<std::string> args = {"/usr/bin/python3", script, "--port", std::to_string(port), "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(args, std::vector<std::string>{}, true);
    ready_ = process_->first_line().rfind("ready", 0) == 0;
  }
  ~Sink() { stop(); }
  bool ready() const { return ready_; }
  void stop() {
    if (process_) process_->stop();
  }

  std::vector<Received> received() const {
    std::vector<Received> out;
    std::ifstream in(out_);
    std::string line;
    simdjson::dom::parser parser;
    while (std::getline(in, line)) {
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc)) continue;  // a line being written
      Received r;
      std::string_view s;
      if (!doc["message_id"].get_string().get(s)) {
        r.message_id = s;
        r.alarms = static_cast<std::size_t>(int64_t(doc["alarms"]));
        r.text = std::string(std::string_view(doc["text"]));
      } else {
        r.message_id = std::string(std::string_view(doc["idempotency_key"]));
        r.status = static_cast<int>(int64_t(doc["status"]));
        r.signature_ok = bool(doc["signature_ok"]);
        r.text = simdjson::to_string(doc["body"]);
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  std::string out_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

inline std::string sink_script(const char* name) {
  return (std::filesystem::path(TICKFLOW_SOURCE_DIR) / "tests/integration/notify" / name).string();
}

// `n` distinct alarms as the signal service writes them; ids "<prefix>S<k>:<i>:indicators".
inline std::vector<Alarm> make_alarms(int n, const std::string& prefix) {
  std::vector<Alarm> out;
  for (int i = 0; i < n; ++i) {
    Alarm a;
    a.stock_symbol = fmt::format("S{}", i % 17);
    a.alarm_id = fmt::format("{}{}:{}:indicators", prefix, a.stock_symbol, i);
    a.signal = i % 2 ? Side::buy : Side::sell;
    a.reason = i % 2 ? "RSI 27.9 ≤ 30" : "RSI 71.2 ≥ 70";
    a.price = 100 + i * 0.25;
    a.rsi = i % 2 ? 27.9 : 71.2;
    a.timestamp = 1767225600 + i;
    a.source = "indicators";
    out.push_back(a);
  }
  return out;
}

inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("tickflow-{}-{}", name, std::random_device{}());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tickflow::testing
