// What an alarm e-mail says and how it is built: the subject a trader reads, a Message-ID
// that identifies the alarm, record text kept as text in HTML, and digests that list
// every alarm exactly once.
#include "src/services/notify/alarm_mail.hpp"

#include <cctype>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tickflow {
namespace {

Alarm alarm(std::string id, std::string symbol, Side side, double price, std::string reason) {
  Alarm a;
  a.alarm_id = std::move(id);
  a.stock_symbol = std::move(symbol);
  a.signal = side;
  a.price = price;
  a.reason = std::move(reason);
  a.rsi = 27.912345678;
  a.timestamp = 1767225600;
  a.source = "indicators";
  return a;
}

// "<atoms@tickflow>" with atoms of letters, digits, '.', '_' and '-' only.
bool is_message_id(std::string_view id) {
  if (id.size() < 12 || id.front() != '<' || id.substr(id.size() - 10) != "@tickflow>") return false;
  for (char c : id.substr(1, id.size() - 11)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// The ids a digest lists: each line that ends in "[id]".
std::multiset<std::string> listed_ids(const std::string& text) {
  std::multiset<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (auto open = line.rfind('['); open != std::string_view::npos && line.back() == ']') {
      out.insert(std::string(line.substr(open + 1, line.size() - open - 2)));
    }
    start = end + 2;
  }
  return out;
}

TEST(AlarmMail, SubjectReadsAtAGlance) {
  EXPECT_EQ(alarm_headline(alarm("AAPL:1:indicators", "AAPL", Side::buy, 187.42, "RSI 27.9 ≤ 30")),
            "BUY AAPL @ 187.42 — RSI 27.9 ≤ 30");
  // News and macro alarms carry no price: no "@ 0".
  EXPECT_EQ(alarm_headline(alarm("MSFT:9:news", "MSFT", Side::sell, 0, "news sentiment -0.54 ≤ -0.4")),
            "SELL MSFT — news sentiment -0.54 ≤ -0.4");
}

TEST(AlarmMail, MessageIdIsStablePerAlarmAndDistinctAcrossAlarms) {
  EXPECT_EQ(alarm_message_id("AAPL:42:indicators"), alarm_message_id("AAPL:42:indicators"));
  EXPECT_NE(alarm_message_id("AAPL:42:indicators"), alarm_message_id("AAPL:43:indicators"));
  // Ids that map to the same readable part still differ by their hash.
  EXPECT_NE(alarm_message_id("BRK.B:42:news"), alarm_message_id("BRK:B.42:news"));
  EXPECT_TRUE(is_message_id(alarm_message_id("GDP Growth Rate:3:macro"))) << alarm_message_id("GDP Growth Rate:3:macro");
  EXPECT_TRUE(is_message_id(alarm_message_id("<x>\r\n:1:y")));
}

TEST(AlarmMail, BodiesCarryReasonIndicatorsAndLink) {
  Alarm a = alarm("AAPL:42:indicators", "AAPL", Side::buy, 187.42, "RSI 27.9 ≤ 30");
  Mail mail = compose_mail(std::span(&a, 1), "http://127.0.0.1:5678");
  EXPECT_EQ(mail.message_id, alarm_message_id(a.alarm_id));
  EXPECT_EQ(mail.alarms, 1u);
  for (const std::string* body : {&mail.text, &mail.html}) {
    EXPECT_NE(body->find("RSI 27.9 ≤ 30"), std::string::npos);
    EXPECT_NE(body->find("27.9123"), std::string::npos);  // the indicator, for people
    EXPECT_NE(body->find("http://127.0.0.1:5678/#/symbol/AAPL"), std::string::npos);
    EXPECT_NE(body->find("AAPL:42:indicators"), std::string::npos);
    EXPECT_NE(body->find("2026-01-01 00:00:00 UTC"), std::string::npos);
  }
}

TEST(AlarmMail, RecordTextStaysTextInHtml) {
  Alarm a = alarm("X:1:news", "<script>", Side::sell, 1, "<img src=x onerror=alert(1)>");
  Mail mail = compose_mail(std::span(&a, 1), "http://127.0.0.1:5678");
  EXPECT_EQ(mail.html.find("<script>"), std::string::npos);
  EXPECT_EQ(mail.html.find("<img"), std::string::npos);
  EXPECT_NE(mail.html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(mail.html.find("#/symbol/%3Cscript%3E"), std::string::npos);
}

TEST(AlarmMail, DigestListsEveryAlarmOnce) {
  std::vector<Alarm> alarms;
  for (int i = 0; i < 30; ++i) {
    alarms.push_back(alarm(fmt::format("S{}:{}:indicators", i % 7, i), fmt::format("S{}", i % 7),
                           i % 3 ? Side::buy : Side::sell, 100 + i, "RSI"));
  }
  Mail mail = compose_mail(alarms, "http://dash");
  EXPECT_EQ(mail.alarms, 30u);
  EXPECT_EQ(mail.subject.rfind("tickflow digest: 30 alarms (20 buy, 10 sell)", 0), 0u) << mail.subject;
  std::multiset<std::string> seen = listed_ids(mail.text);
  ASSERT_EQ(seen.size(), 30u);
  for (const auto& a : alarms) EXPECT_EQ(seen.count(a.alarm_id), 1u) << a.alarm_id;
  // Another set of alarms is another digest.
  alarms.pop_back();
  EXPECT_NE(compose_mail(alarms, "http://dash").message_id, mail.message_id);
}

TEST(AlarmMail, RenderedMessageHasTheHeadersMailersNeed) {
  Alarm a = alarm("AAPL:42:indicators", "AAPL", Side::buy, 187.42, "RSI 27.9 ≤ 30");
  MailAddresses to{"tickflow <alerts@example.com>", {"a@example.com", "b@example.com"}};
  std::string message = render_mail(compose_mail(std::span(&a, 1), "http://d"), to, 1767225600);
  EXPECT_NE(message.find("From: tickflow <alerts@example.com>\r\n"), std::string::npos);
  EXPECT_NE(message.find("To: a@example.com, b@example.com\r\n"), std::string::npos);
  EXPECT_NE(message.find("Message-ID: " + alarm_message_id(a.alarm_id) + "\r\n"), std::string::npos);
  EXPECT_NE(message.find("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(message.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(message.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(message.find("text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(message.find("text/html; charset=utf-8"), std::string::npos);
  // Every line ends in CRLF and none passes SMTP's 998-character limit.
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(message[end - 1], '\r');
    EXPECT_LE(end - start, 998u);
    start = end + 1;
  }
}

TEST(AlarmMail, FileNameIsSafeAndFollowsTheMessageId) {
  Alarm a = alarm("../../etc/passwd:1:x", "X", Side::buy, 1, "r");
  std::string name = mail_file_name(compose_mail(std::span(&a, 1), ""));
  EXPECT_EQ(name.find('/'), std::string::npos);
  EXPECT_EQ(name.substr(name.size() - 4), ".eml");
  EXPECT_EQ(name, mail_file_name(compose_mail(std::span(&a, 1), "")));
}

}  // namespace
}  // namespace tickflow
