// Plain HTTP request and response values: what handlers see and return, so that service
// code never includes Boost.Beast (slow to compile, and networking is not its business).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickflow {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, e.g. "/ingest"
  std::string content_type;   // as sent, may carry "; charset=utf-8"
  std::string authorization;  // the Authorization header, if any
  std::string origin;         // the Origin header, if any
  std::string host;           // the Host header, if any
  std::string cookie;         // the Cookie header, if any
  std::string body;
  // Set by the server's AccessGuard: the request carried the server's token (or none is
  // set). Handlers of open paths (a login page) read it.
  bool authenticated = true;

  // The path without the query string.
  std::string_view path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Retry-After
};

// An answer whose body is JSON text.
inline HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace tickflow
