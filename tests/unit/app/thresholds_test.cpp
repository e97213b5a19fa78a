// Threshold changes at run time are checked exactly like the config file: known names,
// the right types, the ranges and the rules across fields; a refused change leaves the
// rules as they were.
#include "src/app/thresholds.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tickflow {
namespace {

TEST(Thresholds, AChangeAppliesToTheNamedRulesOnly) {
  SignalRules rules;
  rules.rsi_period = 21;
  EXPECT_EQ(apply_threshold_change(R"({"rsi_buy_below": 25, "news_enabled": false, "macro_indicator": "CPI"})", rules),
            std::nullopt);
  EXPECT_EQ(rules.rsi_buy_below, 25);
  EXPECT_FALSE(rules.news_enabled);
  EXPECT_EQ(rules.macro_indicator, "CPI");
  EXPECT_EQ(rules.rsi_sell_above, 70);
  EXPECT_EQ(rules.rsi_period, 21);  // not a threshold: kept
}

TEST(Thresholds, RefusalsNameTheFieldAndChangeNothing) {
  struct Case {
    const char* change;
    const char* starts_with;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"bogus": 1})", "bogus: not a threshold"},
           {R"({"rsi_buy_below": "low"})", "rsi_buy_below: expected a number"},
           {R"({"rsi_buy_below": 101})", "rsi_buy_below: 101.0 is out of range"},
           {R"({"rsi_buy_below": 75})", "rsi_buy_below (75) must be below rsi_sell_above (70)"},
           {R"({"rsi_enabled": 1})", "rsi_enabled: expected true or false"},
           {R"({"macro_indicator": ""})", "macro_indicator: must not be empty"},
           {R"([1, 2])", "(body): must be a JSON object"},
           {R"({"rsi_buy_below": 1e400})", "(body): must be a JSON object"},
           {"", "(body): must be a JSON object"},
       }) {
    SignalRules rules;
    auto error = apply_threshold_change(c.change, rules);
    ASSERT_TRUE(error.has_value()) << c.change;
    EXPECT_EQ(error->rfind(c.starts_with, 0), 0u) << c.change << " → " << *error;
    EXPECT_EQ(rules.rsi_buy_below, 30) << "unchanged after " << c.change;
  }
  SignalRules rules;
  EXPECT_TRUE(apply_threshold_change(std::string(20000, ' '), rules).has_value());  // huge body
}

TEST(Thresholds, RulesJsonReadsBackAsAChange) {
  SignalRules rules;
  rules.rsi_buy_below = 22.5;
  rules.orders_enabled = false;
  std::string json = signal_rules_json(rules);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  SignalRules back;
  EXPECT_EQ(apply_threshold_change(json, back), std::nullopt);
  EXPECT_EQ(back.rsi_buy_below, 22.5);
  EXPECT_FALSE(back.orders_enabled);
}

}  // namespace
}  // namespace tickflow
