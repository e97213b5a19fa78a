#include "src/services/notify/smtp_channel.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "src/core/unix_clock.hpp"

namespace tickflow {

namespace {

struct Upload {
  std::string_view rest;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->rest.size());
  std::memcpy(buffer, upload->rest.data(), n);
  upload->rest.remove_prefix(n);
  return n;
}

// "<addr>" for MAIL FROM / RCPT TO from "Name <addr>" or "addr".
std::string envelope(const std::string& address) {
  auto open = address.rfind('<');
  auto close = address.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) return address.substr(open, close - open + 1);
  return "<" + address + ">";
}

}  // namespace

SmtpChannel::SmtpChannel(SmtpSettings settings) : settings_(std::move(settings)) {
  if (settings_.security == "tls" && settings_.url.rfind("smtps://", 0) != 0) {
    // Implicit TLS is what the smtps scheme means to libcurl.
    auto scheme_end = settings_.url.find("://");
    settings_.url = "smtps://" + (scheme_end == std::string::npos ? settings_.url : settings_.url.substr(scheme_end + 3));
  }
}

SendResult SmtpChannel::send(std::span<const Alarm> alarms) {
  const Mail mail = compose_mail(alarms, settings_.dashboard_url);
  const std::string message = render_mail(mail, settings_.addresses, unix_now());
  Upload upload{message};
  CurlList recipients;
  for (const auto& to : settings_.addresses.to) recipients.add(envelope(to));

  CURL* c = curl_.get();
  curl_.reset();
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope(settings_.addresses.from).c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, settings_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(settings_.timeout_ms, 5000L));
  if (settings_.security == "starttls") curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }

  CURLcode code = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  if (code == CURLE_OK) return SendResult::ok(fmt::format("{} accepted {}", reply, mail.message_id));
  std::string why = fmt::format("{} (SMTP reply {})", curl_.error(code), reply);
  if (code == CURLE_LOGIN_DENIED || (reply >= 500 && reply < 600)) return SendResult::refused(why);
  return SendResult::retry(why);
}

}  // namespace tickflow
