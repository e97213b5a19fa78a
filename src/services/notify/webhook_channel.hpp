// Alarms as a JSON POST to a URL (tickflow's own body, or Slack/Discord-compatible), with
// an `X-Tickflow-Signature: sha256=…` HMAC header when a secret is set (from
// TICKFLOW_WEBHOOK_SECRET) and an `Idempotency-Key` so a receiver can drop a resend.
// 2xx is delivered; 408, 429, 5xx and connection failures are transient; other 4xx permanent.
#pragma once

#include <string>

#include "src/services/notify/channel.hpp"
#include "src/services/notify/curl_handle.hpp"
#include "src/services/notify/webhook_body.hpp"

namespace tickflow {

struct WebhookSettings {
  std::string url;
  WebhookFormat format = WebhookFormat::tickflow;
  std::string secret;
  long timeout_ms = 10000;
};

class WebhookChannel final : public Channel {
 public:
  explicit WebhookChannel(WebhookSettings settings) : settings_(std::move(settings)) {}
  std::string_view name() const override { return "webhook"; }
  SendResult send(std::span<const Alarm> alarms) override;

 private:
  WebhookSettings settings_;
  CurlHandle curl_;
};

}  // namespace tickflow
