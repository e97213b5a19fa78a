// A hostile page in the user's browser, against the default `tickflow run` (loopback, no
// token): it cannot change thresholds (cross-site POST, text/plain or JSON), cannot open
// ingest's or the dashboard's WebSocket from its origin, and cannot read the API through
// DNS rebinding (a Host of its own). Each attack has its positive control: the page's own
// origin, and clients that send no Origin (curl, the original generator), still get in.
#include <gtest/gtest.h>

#include "tests/security/served_tickflow.hpp"

namespace tickflow::testing {
namespace {

constexpr const char* evil_origin = "Origin: http://evil.example";
const std::string ticks_json = R"({"rsi_buy_below":5,"rsi_enabled":false,"crossover_enabled":false})";

std::string own_origin(std::uint16_t port) { return "Origin: http://127.0.0.1:" + std::to_string(port); }

TEST(HostilePage, CannotChangeThresholdsCrossSite) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  auto before = raw_request(tf.dashboard_port, "GET", "/api/thresholds");
  ASSERT_EQ(before.status, 200);

  // The form-like request a page can send without a preflight, and the JSON one.
  auto plain =
      raw_request(tf.dashboard_port, "POST", "/api/thresholds", {evil_origin, "Content-Type: text/plain"}, ticks_json);
  EXPECT_EQ(plain.status, 403) << plain.body;
  EXPECT_NE(plain.body.find("\"field\":\"Origin\""), std::string::npos) << plain.body;
  auto json = raw_request(tf.dashboard_port, "POST", "/api/thresholds", {evil_origin, "Content-Type: application/json"},
                          ticks_json);
  EXPECT_EQ(json.status, 403) << json.body;
  auto null_origin = raw_request(tf.dashboard_port, "POST", "/api/thresholds",
                                 {"Origin: null", "Content-Type: application/json"}, ticks_json);
  EXPECT_EQ(null_origin.status, 403) << "a page opened from disk or a sandboxed frame: " << null_origin.body;
  auto no_origin_plain =
      raw_request(tf.dashboard_port, "POST", "/api/thresholds", {"Content-Type: text/plain"}, ticks_json);
  EXPECT_EQ(no_origin_plain.status, 415) << "a JSON endpoint takes only JSON: " << no_origin_plain.body;
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/api/thresholds").body, before.body) << "nothing changed";

  // Positive controls: the page itself, and a script without Origin.
  auto own = raw_request(tf.dashboard_port, "POST", "/api/thresholds",
                         {own_origin(tf.dashboard_port), "Content-Type: application/json"}, R"({"rsi_buy_below":25})");
  EXPECT_EQ(own.status, 200) << own.body;
  auto curl = raw_request(tf.dashboard_port, "POST", "/api/thresholds", {"Content-Type: application/json"},
                          R"({"rsi_buy_below":26})");
  EXPECT_EQ(curl.status, 200) << curl.body;
  EXPECT_NE(raw_request(tf.dashboard_port, "GET", "/api/thresholds").body.find("\"rsi_buy_below\":26"),
            std::string::npos);
}

TEST(HostilePage, CannotOpenIngestsWebSocket) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  EXPECT_EQ(upgrade_status(tf.ingest_port, "/ws", {evil_origin}), 403);
  EXPECT_EQ(upgrade_status(tf.ingest_port, "/ws", {own_origin(tf.ingest_port)}), 101);
  EXPECT_EQ(upgrade_status(tf.ingest_port, "/ws"), 101) << "a client that sends no Origin is not a browser";
  // POST /ingest from a page: refused by Origin before the content type is even looked at.
  std::string tick =
      R"({"stock_symbol":"EVIL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1767225600})";
  EXPECT_EQ(raw_request(tf.ingest_port, "POST", "/ingest", {evil_origin, "Content-Type: text/plain"}, tick).status,
            403);
  EXPECT_EQ(raw_request(tf.ingest_port, "POST", "/ingest", {"Content-Type: application/json"}, tick).status, 200)
      << "the original generator's post (no Origin) still works";
}

TEST(HostilePage, CannotOpenTheDashboardsLiveFeed) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws", {evil_origin}), 403);
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws", {own_origin(tf.dashboard_port)}), 101);
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws", {"Origin: http://localhost:" + std::to_string(tf.dashboard_port)}),
            403)
      << "Host said 127.0.0.1, so localhost is another origin";
}

TEST(HostilePage, CannotReadTheApiThroughDnsRebinding) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  for (const char* path : {"/api/symbols", "/api/thresholds", "/api/alarms", "/", "/metrics"}) {
    auto r =
        raw_request(tf.dashboard_port, "GET", path, {"Host: attacker.example:" + std::to_string(tf.dashboard_port)});
    EXPECT_EQ(r.status, 403) << path << ": " << r.body;
    EXPECT_NE(r.body.find("\"field\":\"Host\""), std::string::npos) << path;
  }
  EXPECT_EQ(raw_request(tf.ingest_port, "GET", "/metrics", {"Host: attacker.example"}).status, 403);
  // The names a user types: loopback, localhost, an IP address.
  for (std::string host : {"127.0.0.1", "localhost", "[::1]", "10.1.2.3"}) {
    auto r = raw_request(tf.dashboard_port, "GET", "/api/symbols",
                         {"Host: " + host + ":" + std::to_string(tf.dashboard_port)});
    EXPECT_EQ(r.status, 200) << host;
  }
}

TEST(HostilePage, ConfiguredHostNamesAndOriginsAreAllowed) {
  ServedTickflow tf(ServedTickflow::Kind::run,
                    {"--http.allowed_hosts", "tickflow.lan", "--dashboard.allowed_origins", "https://tools.example"});
  ASSERT_TRUE(tf.ready());
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/api/symbols", {"Host: TickFlow.lan"}).status, 200);
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/api/symbols", {"Host: other.lan"}).status, 403);
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws", {"Origin: https://tools.example"}), 101);
}

TEST(HostilePage, PageMayNotBeFramedNorTalkToOtherHosts) {
  ServedTickflow tf(ServedTickflow::Kind::run);
  ASSERT_TRUE(tf.ready());
  auto page = raw_request(tf.dashboard_port, "GET", "/");
  ASSERT_EQ(page.status, 200);
  std::string csp = page.header("Content-Security-Policy");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("ws:"), std::string::npos) << "no WebSocket to any host: " << csp;
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
}

}  // namespace
}  // namespace tickflow::testing
