// Webhook bodies parse as JSON in each format and carry every alarm; the signature is
// HMAC-SHA256 exactly as RFC 4231 defines it.
#include "src/services/notify/webhook_body.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/core/alarm_parser.hpp"

namespace tickflow {
namespace {

std::vector<Alarm> alarms(int n) {
  std::vector<Alarm> out;
  for (int i = 0; i < n; ++i) {
    Alarm a;
    a.alarm_id = "A:" + std::to_string(i) + ":news";
    a.stock_symbol = "A";
    a.signal = Side::buy;
    a.reason = "news \"quoted\" ≥ 0.4";
    a.price = 0;
    a.timestamp = 1767225600 + i;
    a.source = "news";
    out.push_back(a);
  }
  return out;
}

TEST(WebhookBody, TickflowFormatCarriesEachAlarmAsSchemaJson) {
  auto list = alarms(3);
  std::string body = webhook_body(list, WebhookFormat::tickflow);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  simdjson::dom::array array;
  ASSERT_EQ(doc["alarms"].get_array().get(array), simdjson::SUCCESS);
  std::size_t i = 0;
  for (auto element : array) {
    Alarm back;
    ValidationErrors errors;
    ASSERT_TRUE(parse_alarm(simdjson::to_string(element), back, errors));
    EXPECT_EQ(back.alarm_id, list[i].alarm_id);
    EXPECT_EQ(back.reason, list[i].reason);
    ++i;
  }
  EXPECT_EQ(i, 3u);
}

TEST(WebhookBody, SlackAndDiscordGetTheirTextField) {
  auto list = alarms(1);
  simdjson::dom::parser parser;
  std::string_view text;
  ASSERT_EQ(parser.parse(webhook_body(list, WebhookFormat::slack))["text"].get_string().get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "BUY A — news \"quoted\" ≥ 0.4");
  ASSERT_EQ(parser.parse(webhook_body(alarms(500), WebhookFormat::discord))["content"].get_string().get(text),
            simdjson::SUCCESS);
  EXPECT_LE(text.size(), 2000u);  // Discord's limit
}

TEST(WebhookBody, SignatureIsHmacSha256PerRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(webhook_signature("Jefe", "what do ya want for nothing!"),
            webhook_signature("Jefe", "what do ya want for nothing?"));
}

}  // namespace
}  // namespace tickflow
