// A hostile client on the network: a reachable address without a token is refused at
// start; with a token, everything but /healthz needs it (reads and /metrics too), from a
// header (scheme in any case) or the HttpOnly cookie that the login form sets, never only
// from the URL; request framing that a proxy could read differently is refused.
#include <gtest/gtest.h>

#include "tests/security/served_tickflow.hpp"

namespace tickflow::testing {
namespace {

constexpr const char* token = "Zt0k3n-for-the-tests";

std::string fmt_chunk(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

TEST(HostileClient, ReachableAddressWithoutATokenIsRefusedAtStart) {
  const std::string tickflow = std::getenv("TICKFLOW");
  const auto dir = std::filesystem::temp_directory_path() / ("tickflow-exposed-" + std::to_string(::getpid()));
  int status = 0;
  std::string out = run_and_capture(
      {tickflow, "run", "--generator", "off", "--data-dir", dir.string(), "--ingest.listen",
       "127.0.0.1:" + std::to_string(free_port()), "--dashboard.listen", "0.0.0.0:" + std::to_string(free_port())},
      &status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("dashboard.listen is '0.0.0.0'"), std::string::npos) << out;
  EXPECT_NE(out.find("TICKFLOW_DASHBOARD_TOKEN"), std::string::npos) << out;
  out = run_and_capture(
      {tickflow, "ingest", "--data-dir", dir.string(), "--ingest.listen", "0.0.0.0:" + std::to_string(free_port())},
      &status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("TICKFLOW_INGEST_TOKEN"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST(HostileClient, InsecureFlagServesAReachableAddress) {
  const std::string tickflow = std::getenv("TICKFLOW");
  const auto dir = std::filesystem::temp_directory_path() / ("tickflow-insecure-" + std::to_string(::getpid()));
  auto port = free_port();
  ChildProcess child({tickflow, "ingest", "--data-dir", dir.string(), "--http.insecure", "true", "--ingest.listen",
                      "0.0.0.0:" + std::to_string(port)});
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = raw_request(port, "GET", "/healthz").status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(up);
  child.stop();
  std::filesystem::remove_all(dir);
}

TEST(HostileClient, WithATokenEveryReadNeedsItButHealth) {
  ServedTickflow tf(ServedTickflow::Kind::run, {},
                    {std::string("TICKFLOW_DASHBOARD_TOKEN=") + token, std::string("TICKFLOW_INGEST_TOKEN=") + token});
  ASSERT_TRUE(tf.ready());
  for (auto port : {tf.dashboard_port, tf.ingest_port}) {
    EXPECT_EQ(raw_request(port, "GET", "/healthz").status, 200) << port;
    EXPECT_EQ(raw_request(port, "GET", "/metrics").status, 401) << port;
    EXPECT_EQ(raw_request(port, "GET", "/metrics", {"Authorization: Bearer wrong"}).status, 401) << port;
    EXPECT_EQ(raw_request(port, "GET", "/metrics", {std::string("Authorization: Bearer ") + token}).status, 200)
        << port;
    EXPECT_EQ(raw_request(port, "GET", "/metrics", {std::string("Authorization: bearer ") + token}).status, 200)
        << "the scheme is case-insensitive";
  }
  for (const char* path : {"/api/symbols", "/api/thresholds", "/api/alarms", "/assets/app.js"}) {
    EXPECT_EQ(raw_request(tf.dashboard_port, "GET", path).status, 401) << path;
  }
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws"), 401);
}

TEST(HostileClient, TheLoginFormSetsAnHttpOnlyCookie) {
  ServedTickflow tf(ServedTickflow::Kind::run, {}, {std::string("TICKFLOW_DASHBOARD_TOKEN=") + token});
  ASSERT_TRUE(tf.ready());
  auto page = raw_request(tf.dashboard_port, "GET", "/");
  EXPECT_EQ(page.status, 401);
  EXPECT_NE(page.body.find("<form method=\"post\" action=\"/login\">"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find(token), std::string::npos);

  auto own = "Origin: http://127.0.0.1:" + std::to_string(tf.dashboard_port);
  const char* form = "Content-Type: application/x-www-form-urlencoded";
  auto wrong = raw_request(tf.dashboard_port, "POST", "/login", {own, form}, "token=guess");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("Set-Cookie"), "");
  auto cross_site = raw_request(tf.dashboard_port, "POST", "/login", {"Origin: http://evil.example", form},
                                std::string("token=") + token);
  EXPECT_EQ(cross_site.status, 403) << "login CSRF";
  auto right = raw_request(tf.dashboard_port, "POST", "/login", {own, form}, std::string("token=") + token);
  ASSERT_EQ(right.status, 303) << right.body;
  std::string cookie = right.header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  std::string sent = "Cookie: " + cookie.substr(0, cookie.find(';'));

  auto logged_in = raw_request(tf.dashboard_port, "GET", "/", {sent});
  EXPECT_EQ(logged_in.status, 200);
  EXPECT_NE(logged_in.body.find("tickflow"), std::string::npos);
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/api/symbols", {sent}).status, 200);
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws", {sent, own}), 101) << "the page's live feed rides on the cookie";
  auto change = raw_request(tf.dashboard_port, "POST", "/api/thresholds", {sent, own, "Content-Type: application/json"},
                            R"({"rsi_buy_below":20})");
  EXPECT_EQ(change.status, 200) << change.body;
}

TEST(HostileClient, AmbiguousRequestFramingIsRefused) {
  ServedTickflow tf(ServedTickflow::Kind::ingest);
  ASSERT_TRUE(tf.ready());
  std::string tick =
      R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1767225600})";
  auto send = [&](const std::string& head, const std::string& body) {
    int fd = connect_from("127.0.0.1", tf.ingest_port);
    send_all(fd,
             "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + head + "\r\n" + body);
    auto r = read_response(fd);
    ::close(fd);
    return r;
  };
  std::string chunked = fmt_chunk(tick);
  EXPECT_EQ(send("Transfer-Encoding: xchunked\r\nContent-Length: " + std::to_string(tick.size()) + "\r\n", tick).status,
            400);
  EXPECT_EQ(send("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", chunked).status, 400);
  EXPECT_EQ(send("Transfer-Encoding: gzip, chunked\r\n", chunked).status, 400);
  EXPECT_EQ(send("Transfer-Encoding: chunked\r\n", chunked).status, 200) << "plain chunked is fine";
  EXPECT_EQ(send("Content-Length: " + std::to_string(tick.size()) + "\r\n", tick).status, 200);
}

}  // namespace
}  // namespace tickflow::testing
