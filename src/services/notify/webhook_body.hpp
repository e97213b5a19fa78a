// The JSON a webhook receives for one alarm or a digest, in tickflow's own form
// ({"text", "alarms": [...]}) or as a Slack ({"text"}) or Discord ({"content"}) message,
// and its HMAC-SHA256 signature ("sha256=<hex>", as GitHub signs webhooks). Pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "src/core/alarm.hpp"

namespace tickflow {

enum class WebhookFormat { tickflow, slack, discord };

std::string webhook_body(std::span<const Alarm> alarms, WebhookFormat format);

// "sha256=" + lower-case hex of HMAC-SHA256(secret, body).
std::string webhook_signature(std::string_view secret, std::string_view body);

}  // namespace tickflow
