// A small blocking HTTP/1.1 client with keep-alive and a deadline per request: the
// generator's sender and the tests' client. Reconnects after any failure. One thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickflow {

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

// Parses "http://host:port/path". Nothing when it is not such a URL.
std::optional<HttpUrl> parse_http_url(std::string_view url);

struct HttpClientResult {
  bool ok = false;         // a response arrived (whatever its status)
  int status = 0;
  std::string body;
  std::string retry_after; // the Retry-After header, if any
  std::string error;       // why no response arrived (connection refused, timeout, ...)
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpClientResult request(std::string_view method, std::string_view target, std::string_view content_type,
                           std::string_view body,
                           const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickflow
