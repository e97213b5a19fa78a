// Tests that run real programs (tickflow, the SMTP and webhook sinks): start one with
// extra environment, read the first line it prints, signal it, and always reap it.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tickflow::testing {

class ChildProcess {
 public:
  // Starts `args` (args[0] is a path) with `env` ("NAME=value") added to ours. With
  // `capture_stdout`, the first line it prints can be read by first_line().
  ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
               bool capture_stdout = false) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = env;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int fds[2] = {-1, -1};
    if (capture_stdout && ::pipe2(fds, O_CLOEXEC) == 0) {
      posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    }
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (fds[1] >= 0) ::close(fds[1]);
    out_ = fds[0];
  }
  ~ChildProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (out_ >= 0) ::close(out_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && !status_; }
  pid_t pid() const { return pid_; }

  std::string first_line() {
    std::string line;
    char c;
    while (out_ >= 0 && ::read(out_, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }

  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }

  // Waits for the exit; the raw wait status.
  int wait() {
    if (status_) return *status_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
    return status;
  }

  // Waits up to `timeout`; the wait status once it has exited.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) status_ = status;
      else if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      else std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
  }

  // SIGTERM, then SIGKILL after `grace`.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    signal(SIGTERM);
    if (auto s = wait_for(grace)) return *s;
    signal(SIGKILL);
    return wait();
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::optional<int> status_;
};

// Runs `args` (args[0] a path; each argument quoted for the shell, none may hold a single
// quote) to the end and returns what it printed, stdout and stderr together. With
// `status`, stores its wait status there.
inline std::string run_and_capture(const std::vector<std::string>& args, int* status = nullptr) {
  std::string command;
  for (const auto& a : args) command += "'" + a + "' ";
  std::string out;
  int result = -1;
  if (FILE* p = ::popen((command + "2>&1").c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
    result = ::pclose(p);
  }
  if (status) *status = result;
  return out;
}

// A loopback TCP port that was free a moment ago.
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace tickflow::testing
