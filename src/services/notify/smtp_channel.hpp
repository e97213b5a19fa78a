// E-mail over SMTP with libcurl: plain, STARTTLS (required, not opportunistic) or
// implicit TLS; login from the environment only (TICKFLOW_SMTP_USER / _PASSWORD, never
// from files, never logged). SMTP 4xx and connection failures are transient, 5xx and a
// refused login permanent.
#pragma once

#include <string>

#include "src/services/notify/alarm_mail.hpp"
#include "src/services/notify/channel.hpp"
#include "src/services/notify/curl_handle.hpp"

namespace tickflow {

struct SmtpSettings {
  std::string url = "smtp://127.0.0.1:25";  // smtp://host:port, or smtps://host:port for implicit TLS
  std::string security = "none";            // none | starttls | tls
  MailAddresses addresses;
  std::string user;      // from TICKFLOW_SMTP_USER
  std::string password;  // from TICKFLOW_SMTP_PASSWORD
  long timeout_ms = 10000;
  std::string dashboard_url = "http://127.0.0.1:5678";
};

class SmtpChannel final : public Channel {
 public:
  explicit SmtpChannel(SmtpSettings settings);
  std::string_view name() const override { return "smtp"; }
  SendResult send(std::span<const Alarm> alarms) override;

 private:
  SmtpSettings settings_;
  CurlHandle curl_;
};

}  // namespace tickflow
