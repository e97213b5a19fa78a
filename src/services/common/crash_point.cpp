#include "src/services/common/crash_point.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace tickflow {

namespace {

struct CrashPlan {
  std::string name;
  long after = 1;
  std::atomic<long> passed{0};
};

CrashPlan* load_plan() {
  const char* env = std::getenv("TICKFLOW_CRASH_AT");
  if (env == nullptr || *env == '\0') return nullptr;
  auto* plan = new CrashPlan;  // lives as long as the process
  std::string spec = env;
  if (auto colon = spec.rfind(':'); colon != std::string::npos) {
    plan->after = std::max(1L, std::strtol(spec.c_str() + colon + 1, nullptr, 10));
    spec.resize(colon);
  }
  plan->name = spec;
  return plan;
}

}  // namespace

void crash_point(std::string_view name) {
  static CrashPlan* plan = load_plan();
  if (plan == nullptr || plan->name != name) return;
  if (plan->passed.fetch_add(1) + 1 == plan->after) {
    static constexpr char message[] = "tickflow: TICKFLOW_CRASH_AT reached; killing the process\n";
    (void)!::write(2, message, sizeof message - 1);
    ::kill(::getpid(), SIGKILL);
  }
}

}  // namespace tickflow
