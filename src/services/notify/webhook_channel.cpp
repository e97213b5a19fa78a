#include "src/services/notify/webhook_channel.hpp"

#include <fmt/format.h>

#include "src/services/notify/alarm_mail.hpp"

namespace tickflow {

namespace {

std::size_t keep_reply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<std::string*>(user);
  std::size_t n = size * count;
  if (reply->size() < 512) reply->append(data, std::min(n, 512 - reply->size()));
  return n;
}

}  // namespace

SendResult WebhookChannel::send(std::span<const Alarm> alarms) {
  const std::string body = webhook_body(alarms, settings_.format);
  CurlList headers;
  headers.add("Content-Type: application/json");
  // The Message-ID of the same alarm(s) by mail: one key per alarm or digest.
  headers.add("Idempotency-Key: " + compose_mail(alarms, "").message_id);
  if (!settings_.secret.empty()) headers.add("X-Tickflow-Signature: " + webhook_signature(settings_.secret, body));

  std::string reply;
  CURL* c = curl_.get();
  curl_.reset();
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, settings_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(settings_.timeout_ms, 5000L));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");

  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) return SendResult::retry(curl_.error(code));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  std::string detail = fmt::format("HTTP {}{}{}", status, reply.empty() ? "" : ": ", reply);
  if (status >= 200 && status < 300) return SendResult::ok(detail);
  if (status == 408 || status == 429 || status >= 500) return SendResult::retry(detail);
  return SendResult::refused(detail);
}

}  // namespace tickflow
