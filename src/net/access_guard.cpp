#include "src/net/access_guard.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/log/named_logger.hpp"

namespace tickflow {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_ip_literal(std::string_view host) {
  in6_addr v6{};
  in_addr v4{};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string inner(host.substr(1, host.size() - 2));
    return inet_pton(AF_INET6, inner.c_str(), &v6) == 1;
  }
  std::string text(host);
  return inet_pton(AF_INET, text.c_str(), &v4) == 1;
}

bool is_wildcard(std::string_view host) { return host == "0.0.0.0" || host == "::" || host == "[::]" || host.empty(); }

HttpResponse refusal(int status, std::string_view field, std::string_view reason) {
  std::string body = "{\"error\":";
  json::append_string_lossy(body, reason, 2048);
  json::append_string_field(body, "field", field);
  body += '}';
  HttpResponse r = json_response(status, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// The scheme-less "host[:port]" of an origin such as "http://127.0.0.1:5678"; empty when
// it is not an http(s) origin.
std::string_view origin_authority(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() > scheme.size() && equals_ignoring_case(origin.substr(0, scheme.size()), scheme)) {
      std::string_view rest = origin.substr(scheme.size());
      if (rest.find('/') != std::string_view::npos) return {};
      return rest;
    }
  }
  return {};
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max<std::size_t>(1, b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % n]));
  }
  return diff == 0;
}

std::string_view host_name_of(std::string_view host_header) {
  host_header = trim(host_header);
  if (!host_header.empty() && host_header.front() == '[') {
    auto close = host_header.find(']');
    return close == std::string_view::npos ? host_header : host_header.substr(0, close + 1);
  }
  return host_header.substr(0, host_header.find(':'));
}

bool is_loopback_host(std::string_view host) {
  if (equals_ignoring_case(host, "localhost") || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  std::string text(host);
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool has_media_type(std::string_view value, std::initializer_list<std::string_view> media_types) {
  std::string_view type = trim(value.substr(0, value.find(';')));
  return std::any_of(media_types.begin(), media_types.end(),
                     [&](std::string_view m) { return equals_ignoring_case(type, m); });
}

std::string_view cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    auto semi = cookie_header.find(';');
    std::string_view pair = trim(cookie_header.substr(0, semi));
    cookie_header = semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size()) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(raw.data() + i + 1, raw.data() + i + 3, v, 16);
        if (ec != std::errc{} || p != raw.data() + i + 3) return std::nullopt;
        out += static_cast<char>(v);
        i += 2;
      } else if (raw[i] == '%') {
        return std::nullopt;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

std::string exposure_refusal(std::string_view listen_host, bool has_token, bool insecure,
                             std::string_view listen_option, std::string_view token_variable) {
  if (is_loopback_host(listen_host) || has_token || insecure) return {};
  return fmt::format(
      "{} is '{}', which other machines can reach, and no token is set: set {} (every request then "
      "needs it), or pass --http.insecure true to serve it to anyone who can reach the port",
      listen_option, listen_host, token_variable);
}

std::string check_exposure(std::string_view service, std::string_view listen_host, std::string_view token,
                           bool insecure, std::string_view listen_option, std::string_view token_variable) {
  if (!token_is_header_safe(token)) {
    return fmt::format("{} must be printable ASCII without spaces, quotes, commas or semicolons", token_variable);
  }
  if (auto refusal = exposure_refusal(listen_host, !token.empty(), insecure, listen_option, token_variable);
      !refusal.empty()) {
    return refusal;
  }
  if (!is_loopback_host(listen_host) && token.empty()) {
    named_logger(std::string(service))
        ->warn(
            "INSECURE: {} listens on '{}' without a token (--http.insecure): anyone who can reach the port can use it",
            service, listen_host);
  }
  return {};
}

bool token_is_header_safe(std::string_view token) {
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\'; });
}

AccessGuard::AccessGuard(AccessPolicy policy, std::string bound_host)
    : policy_(std::move(policy)), bound_host_(std::move(bound_host)) {}

bool AccessGuard::host_name_allowed(std::string_view name) const {
  if (is_loopback_host(name) || is_ip_literal(name)) return true;
  if (!is_wildcard(bound_host_) && equals_ignoring_case(name, bound_host_)) return true;
  return std::any_of(policy_.allowed_hosts.begin(), policy_.allowed_hosts.end(),
                     [&](const std::string& h) { return equals_ignoring_case(name, h); });
}

std::optional<HttpResponse> AccessGuard::check_host(const HttpRequest& request) const {
  // HTTP/1.0 clients may send no Host; a browser always does, so none is not a rebinding.
  if (request.host.empty()) return std::nullopt;
  std::string_view name = host_name_of(request.host);
  if (host_name_allowed(name)) return std::nullopt;
  return refusal(403, "Host",
                 fmt::format("Host '{}' is not a name this server answers for (loopback names, IP addresses, the "
                             "listen address, http.allowed_hosts)",
                             request.host));
}

std::optional<HttpResponse> AccessGuard::check_origin(const HttpRequest& request) const {
  if (request.origin.empty()) return std::nullopt;  // not a browser's cross-site request
  if (std::find(policy_.allowed_origins.begin(), policy_.allowed_origins.end(), request.origin) !=
      policy_.allowed_origins.end()) {
    return std::nullopt;
  }
  // The page's own origin: the same host:port the request was sent to (the Host check has
  // already vouched for that name).
  std::string_view authority = origin_authority(request.origin);
  if (!authority.empty() && !request.host.empty() && equals_ignoring_case(authority, trim(request.host)))
    return std::nullopt;
  return refusal(403, "Origin",
                 fmt::format("Origin '{}' may not change anything here or open a WebSocket; allowed: this server's "
                             "own origin and the configured allowed_origins",
                             request.origin));
}

bool AccessGuard::has_token(const HttpRequest& request, bool upgrade) const {
  if (policy_.token.empty()) return true;
  std::string_view auth = trim(request.authorization);
  constexpr std::string_view bearer = "bearer ";
  if (auth.size() > bearer.size() && equals_ignoring_case(auth.substr(0, bearer.size()), bearer) &&
      same_secret(trim(auth.substr(bearer.size())), policy_.token)) {
    return true;
  }
  if (std::string_view c = cookie_value(request.cookie, policy_.cookie_name);
      !c.empty() && same_secret(c, policy_.token)) {
    return true;
  }
  if (upgrade) {
    if (auto q = query_param(request.target, "token"); q && same_secret(*q, policy_.token)) return true;
  }
  return false;
}

std::optional<HttpResponse> AccessGuard::check(HttpRequest& request, bool upgrade) const {
  if (auto r = check_host(request)) return r;
  bool reads_only = !upgrade && (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS");
  if (!reads_only) {
    if (auto r = check_origin(request)) return r;
  }
  request.authenticated = has_token(request, upgrade);
  if (request.authenticated) return std::nullopt;
  std::string_view path = request.path();
  if (std::find(policy_.open_paths.begin(), policy_.open_paths.end(), path) != policy_.open_paths.end()) {
    return std::nullopt;  // the handler sees authenticated == false
  }
  HttpResponse r = refusal(401, "Authorization",
                           "this server needs its token: 'Authorization: Bearer TOKEN', or log in on the page");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace tickflow
