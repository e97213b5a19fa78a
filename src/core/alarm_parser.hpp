// Reads an alarm back from its JSON (alarm_topic → notify, dashboard): every field of
// docs/schema.md "Alarm" checked for presence and type, each problem named with its field.
// Alarms come from our own signal service, but the topic is open to anyone who can
// produce to it, so nothing is trusted: the text fields end up in mail headers and HTML.
#pragma once

#include <string_view>

#include "src/core/alarm.hpp"
#include "src/core/validation_error.hpp"

namespace tickflow {

inline constexpr std::size_t max_alarm_bytes = 64 * 1024;

// Fills `out` and returns true, or returns false with the problems in `errors`.
bool parse_alarm(std::string_view json, Alarm& out, ValidationErrors& errors);

}  // namespace tickflow
