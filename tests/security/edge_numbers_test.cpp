// Edge numbers from a client: two ticks priced 1e308 and 1.7e308 once overflowed SMA's
// running sum to inf and then NaN, leaving the symbol's ma/ema/rsi null for good ("warming
// up"). Against `tickflow run`: both are refused naming the field, the bound and the
// option, and the symbol's indicators come as usual once enough ordinary ticks arrived.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/security/served_tickflow.hpp"

namespace tickflow::testing {
namespace {

std::string tick(double close, int second) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                R"({"stock_symbol":"EDGE","opening_price":%.17g,"closing_price":%.17g,"high":%.17g,"low":%.17g,)"
                R"("volume":5,"timestamp":%d})",
                close, close, close, close, 1767225600 + second);
  return buf;
}

TEST(EdgeNumbers, PricesNearOverflowAreRefusedAndCannotPoisonIndicators) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  std::string hostile = tick(1e308, 0) + "\n" + tick(1.7e308, 1) + "\n";
  auto r = raw_request(tf.ingest_port, "POST", "/ingest", {"Content-Type: application/x-ndjson"}, hostile);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("accepted":0)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("field":"opening_price")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("must be at most 1000000000000 (validation.max_price)"), std::string::npos) << r.body;

  std::string ordinary;
  for (int i = 0; i < 30; ++i) ordinary += tick(100 + i, 10 + i) + "\n";
  r = raw_request(tf.ingest_port, "POST", "/ingest", {"Content-Type: application/x-ndjson"}, ordinary);
  ASSERT_EQ(r.body, R"({"accepted":30})");
  // The page's history of the symbol: the last bar has every indicator (ma is SMA(20)).
  std::string history;
  for (int i = 0; i < 100 && history.find("\"seq\":30") == std::string::npos; ++i) {
    history = raw_request(tf.dashboard_port, "GET", "/api/history?symbol=EDGE&limit=1").body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(history.find("\"seq\":30"), std::string::npos) << history;
  EXPECT_NE(history.find(R"("ma":119.5)"), std::string::npos) << "mean of closes 110..129: " << history;
  EXPECT_EQ(history.find("null"), std::string::npos) << history;
  EXPECT_EQ(history.find("warming up"), std::string::npos) << history;
}

}  // namespace
}  // namespace tickflow::testing
