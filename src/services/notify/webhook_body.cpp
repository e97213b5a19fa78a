#include "src/services/notify/webhook_body.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "src/core/json_writer.hpp"
#include "src/services/notify/alarm_mail.hpp"

namespace tickflow {

std::string webhook_body(std::span<const Alarm> alarms, WebhookFormat format) {
  std::string text;
  if (alarms.size() == 1) {
    text = alarm_headline(alarms[0]);
  } else {
    text = fmt::format("{} alarms:", alarms.size());
    for (const auto& a : alarms) text += "\n" + alarm_headline(a) + " [" + a.alarm_id + "]";
  }
  std::string out = "{";
  switch (format) {
    case WebhookFormat::slack:
      json::append_key(out, "text");
      json::append_string(out, text);
      break;
    case WebhookFormat::discord:
      // Discord caps content at 2,000 characters; the alarm ids stay in the outbox.
      if (text.size() > 1900) text = text.substr(0, 1900) + "\n…";
      json::append_key(out, "content");
      json::append_string(out, text);
      break;
    case WebhookFormat::tickflow:
      json::append_key(out, "text");
      json::append_string(out, text);
      out += ",\"alarms\":[";
      for (std::size_t i = 0; i < alarms.size(); ++i) {
        if (i) out += ',';
        write_alarm(alarms[i], out);
      }
      out += ']';
      break;
  }
  out += '}';
  return out;
}

std::string webhook_signature(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), digest, &length);
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

}  // namespace tickflow
