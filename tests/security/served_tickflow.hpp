// The real server under attack: `tickflow run --generator off` (ingest and dashboard) or
// `tickflow ingest`, started on free loopback ports with a data dir of its own, ready once
// every port answers /healthz. Its memory is read from /proc, as an operator would.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/common/child_process.hpp"
#include "tests/common/raw_http.hpp"

namespace tickflow::testing {

class ServedTickflow {
 public:
  enum class Kind { run, ingest };

  // `extra` are more flags (--http.max_websockets 40, ...); `env` more environment.
  explicit ServedTickflow(Kind kind, std::vector<std::string> extra = {}, std::vector<std::string> env = {})
      : ingest_port(free_port()), dashboard_port(free_port()) {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("tickflow-security-" + std::to_string(::getpid()) + "-" + std::to_string(ingest_port));
    std::filesystem::create_directories(data_dir_);
    std::vector<std::string> args = {
        std::getenv("TICKFLOW"), kind == Kind::run ? "run" : "ingest",      "--data-dir", data_dir_.string(),
        "--ingest.listen",       "127.0.0.1:" + std::to_string(ingest_port)};
    if (kind == Kind::run) {
      for (std::string a : {"--generator", "off", "--dashboard.listen"}) args.push_back(a);
      args.push_back("127.0.0.1:" + std::to_string(dashboard_port));
    }
    for (auto& a : extra) args.push_back(std::move(a));
    child_ = std::make_unique<ChildProcess>(args, env);
    ready_ = wait_healthy(ingest_port) && (kind == Kind::ingest || wait_healthy(dashboard_port));
  }
  ~ServedTickflow() {
    child_->stop();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  bool ready() const { return ready_; }
  pid_t pid() const { return child_->pid(); }
  ChildProcess& process() { return *child_; }

  // VmRSS / VmHWM (peak) of the server, in kB.
  long rss_kb() const { return status_kb("VmRSS:"); }
  long peak_kb() const { return status_kb("VmHWM:"); }
  // Resets the peak to the current RSS (Linux: writing 5 to clear_refs).
  void reset_peak() const { std::ofstream(proc("clear_refs")) << "5"; }

  const std::uint16_t ingest_port;
  const std::uint16_t dashboard_port;

 private:
  std::string proc(const char* file) const { return "/proc/" + std::to_string(child_->pid()) + "/" + file; }
  long status_kb(const std::string& key) const {
    std::ifstream in(proc("status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
    }
    return -1;
  }
  bool wait_healthy(std::uint16_t port) {
    for (int i = 0; i < 300; ++i) {
      if (child_->wait_for(std::chrono::milliseconds(0))) return false;  // it exited
      if (raw_request(port, "GET", "/healthz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<ChildProcess> child_;
  bool ready_ = false;
};

}  // namespace tickflow::testing
