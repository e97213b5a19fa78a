// AccessGuard's decisions on plain request values: Host names (rebinding), Origin (the
// server's own, configured ones, never null), tokens from header, cookie or upgrade query,
// and the start-up refusal of a reachable address without a token.
#include "src/net/access_guard.hpp"

#include <gtest/gtest.h>

namespace tickflow {
namespace {

HttpRequest request(std::string method, std::string host, std::string origin = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = "/api/thresholds";
  r.host = std::move(host);
  r.origin = std::move(origin);
  return r;
}

TEST(AccessGuard, HostMustNameThisServer) {
  AccessPolicy p;
  p.allowed_hosts = {"tickflow.lan"};
  AccessGuard guard(p, "127.0.0.1");
  for (const char* ok :
       {"127.0.0.1:5678", "localhost", "LOCALHOST:1", "[::1]:5678", "192.168.1.20:5678", "tickflow.lan:80", ""}) {
    EXPECT_FALSE(guard.check_host(request("GET", ok))) << ok;
  }
  for (const char* bad :
       {"attacker.example", "attacker.example:5678", "127.0.0.1.attacker.example", "localhost.evil"}) {
    auto r = guard.check_host(request("GET", bad));
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 403);
  }
  EXPECT_FALSE(AccessGuard({}, "myhost").check_host(request("GET", "myhost:5678"))) << "the bound name";
  EXPECT_TRUE(AccessGuard({}, "0.0.0.0").check_host(request("GET", "0.0.0.0.evil:5678")));
}

TEST(AccessGuard, StateChangesComeFromTheServersOwnOriginOnly) {
  AccessPolicy p;
  p.allowed_origins = {"https://tools.example"};
  AccessGuard guard(p, "0.0.0.0");
  auto check = [&](std::string method, std::string host, std::string origin, bool upgrade = false) {
    auto r = request(std::move(method), std::move(host), std::move(origin));
    auto refusal = guard.check(r, upgrade);
    return refusal ? refusal->status : 200;
  };
  EXPECT_EQ(check("POST", "127.0.0.1:5678", "http://127.0.0.1:5678"), 200);
  EXPECT_EQ(check("POST", "10.0.0.5:5678", "http://10.0.0.5:5678"), 200) << "bound to 0.0.0.0: the page's own origin";
  EXPECT_EQ(check("POST", "127.0.0.1:5678", ""), 200) << "no Origin: not a browser";
  EXPECT_EQ(check("POST", "127.0.0.1:5678", "https://tools.example"), 200);
  EXPECT_EQ(check("POST", "127.0.0.1:5678", "http://evil.example"), 403);
  EXPECT_EQ(check("POST", "127.0.0.1:5678", "null"), 403);
  EXPECT_EQ(check("POST", "127.0.0.1:5678", "http://127.0.0.1:9999"), 403) << "another port is another origin";
  EXPECT_EQ(check("DELETE", "127.0.0.1:5678", "http://evil.example"), 403);
  EXPECT_EQ(check("GET", "127.0.0.1:5678", "http://evil.example"), 200)
      << "reads: the browser keeps the answer from it";
  EXPECT_EQ(check("GET", "127.0.0.1:5678", "http://evil.example", true), 403) << "but not a WebSocket upgrade";
}

TEST(AccessGuard, TokenFromHeaderCookieOrUpgradeQuery) {
  AccessPolicy p;
  p.token = "s3cret";
  p.open_paths = {"/healthz"};
  AccessGuard guard(p, "127.0.0.1");
  auto status = [&](HttpRequest r, bool upgrade = false) {
    auto refusal = guard.check(r, upgrade);
    return refusal ? refusal->status : 200;
  };
  auto r = request("GET", "127.0.0.1");
  EXPECT_EQ(status(r), 401);
  r.authorization = "Bearer s3cret";
  EXPECT_EQ(status(r), 200);
  r.authorization = "BEARER  s3cret ";
  EXPECT_EQ(status(r), 200);
  r.authorization = "Bearer s3cre";
  EXPECT_EQ(status(r), 401);
  r.authorization = "Basic s3cret";
  EXPECT_EQ(status(r), 401);
  r.authorization.clear();
  r.cookie = "theme=dark; tickflow_token=s3cret";
  EXPECT_EQ(status(r), 200);
  r.cookie = "tickflow_token=s3cretX";
  EXPECT_EQ(status(r), 401);
  r.cookie.clear();
  r.target = "/api/thresholds?token=s3cret";
  EXPECT_EQ(status(r), 401) << "a URL token is for WebSocket upgrades only";
  r.target = "/ws?token=s3cret";
  EXPECT_EQ(status(r, true), 200);
  auto health = request("GET", "127.0.0.1");
  health.target = "/healthz";
  EXPECT_FALSE(guard.check(health, false));
  EXPECT_FALSE(health.authenticated) << "open paths pass, marked as not logged in";
}

TEST(AccessGuard, SameSecretComparesWholeStrings) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("ab", "abc"));
  EXPECT_FALSE(same_secret("abcd", "abc"));
  EXPECT_FALSE(same_secret("", "abc"));
  EXPECT_TRUE(same_secret("", ""));
}

TEST(AccessGuard, ReachableAddressWithoutTokenIsRefused) {
  EXPECT_EQ(exposure_refusal("127.0.0.1", false, false, "x.listen", "T"), "");
  EXPECT_EQ(exposure_refusal("localhost", false, false, "x.listen", "T"), "");
  EXPECT_EQ(exposure_refusal("0.0.0.0", true, false, "x.listen", "T"), "");
  EXPECT_EQ(exposure_refusal("0.0.0.0", false, true, "x.listen", "T"), "");
  auto why = exposure_refusal("0.0.0.0", false, false, "dashboard.listen", "TICKFLOW_DASHBOARD_TOKEN");
  EXPECT_NE(why.find("dashboard.listen is '0.0.0.0'"), std::string::npos) << why;
  EXPECT_NE(why.find("--http.insecure"), std::string::npos) << why;
}

TEST(AccessGuard, HeaderHelpers) {
  EXPECT_EQ(host_name_of("[::1]:5678"), "[::1]");
  EXPECT_EQ(host_name_of("Example.com:80"), "Example.com");
  EXPECT_TRUE(has_media_type("Application/JSON; charset=utf-8", {"application/json"}));
  EXPECT_FALSE(has_media_type("text/plain", {"application/json"}));
  EXPECT_EQ(cookie_value("a=1; b=2", "b"), "2");
  EXPECT_EQ(cookie_value("ab=1", "b"), "");
  EXPECT_EQ(query_param("/x?a=1&token=a%2Bb", "token"), "a+b");
  EXPECT_FALSE(query_param("/x?token=%zz", "token"));
  EXPECT_TRUE(token_is_header_safe("Abc-123_x.~"));
  EXPECT_FALSE(token_is_header_safe("a b"));
  EXPECT_FALSE(token_is_header_safe("a;b"));
}

}  // namespace
}  // namespace tickflow
