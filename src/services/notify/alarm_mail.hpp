// What an alarm says to a person, as an e-mail: a subject that reads at a glance
// ("BUY AAPL @ 187.42 — RSI 27.9 ≤ 30"), a text and an HTML body with the reason, the
// indicators and a link to the dashboard, and a Message-ID derived from the alarm id so a
// resent alarm is recognisably the same mail. A digest lists many alarms in one mail.
// Pure: the SMTP and file channels put these bytes on the wire or on disk.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/alarm.hpp"

namespace tickflow {

struct MailAddresses {
  std::string from = "tickflow@localhost";
  std::vector<std::string> to = {"trader@localhost"};
};

struct Mail {
  std::string message_id;  // with angle brackets: "<alarm.AAPL.42.indicators.1f0c…@tickflow>"
  std::string subject;     // UTF-8, unencoded
  std::string text;
  std::string html;
  std::size_t alarms = 0;
};

// "BUY AAPL @ 187.42 — RSI 27.9 ≤ 30".
std::string alarm_headline(const Alarm& alarm);

// Stable for one alarm_id; different ids give different Message-IDs.
std::string alarm_message_id(std::string_view alarm_id);

// One mail for `alarms`: the alarm's own when there is one, a digest listing every one
// (each with its id) when there are several.
Mail compose_mail(std::span<const Alarm> alarms, std::string_view dashboard_url);

// The whole RFC 5322 message (headers, multipart/alternative text + HTML, base64 bodies),
// CRLF line ends, as SMTP DATA or an .eml file carries it.
std::string render_mail(const Mail& mail, const MailAddresses& addresses, double date_unix);

// The file name an .eml of this mail gets: the Message-ID's local part, safe for any file
// system, so writing the same alarm twice overwrites one file.
std::string mail_file_name(const Mail& mail);

}  // namespace tickflow
