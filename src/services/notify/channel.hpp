// A way an alarm reaches a person (e-mail, a mail folder, a webhook). The sender hands a
// channel one alarm, or several to go out together as a digest, and learns whether they
// went, failed for now (try again later), or were refused for good.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "src/core/alarm.hpp"

namespace tickflow {

struct SendResult {
  enum class Outcome { sent, transient, permanent };
  Outcome outcome = Outcome::sent;
  std::string detail;  // the server's answer or the error, for logs and --list-failed

  static SendResult ok(std::string detail = {}) { return {Outcome::sent, std::move(detail)}; }
  static SendResult retry(std::string why) { return {Outcome::transient, std::move(why)}; }
  static SendResult refused(std::string why) { return {Outcome::permanent, std::move(why)}; }
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual std::string_view name() const = 0;
  // Delivers `alarms` (one, or a digest of several). Blocking; one thread at a time.
  virtual SendResult send(std::span<const Alarm> alarms) = 0;
};

}  // namespace tickflow
