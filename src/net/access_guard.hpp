// Who may use a tickflow HTTP server: the checks every server runs before a handler sees a
// request, so that each endpoint, today's and any added later, is guarded the same way.
//
// The threats (SECURITY.md): a hostile page in the user's browser (cross-site requests and
// WebSocket upgrades, DNS rebinding) and a hostile client on the network (no token).
// - Host: a request must name this server by a loopback name, an IP literal (rebinding needs
//   a domain name), the bound host or a configured name; otherwise 403.
// - Origin: a state-changing request (anything but GET/HEAD/OPTIONS) and every WebSocket
//   upgrade that carries an Origin must come from the server's own origin (the Host it was
//   sent to) or a configured one; `null` never. Clients that send no Origin (curl, scripts,
//   the original generator) are not browsers and pass.
// - Token: when one is set, every path but the open ones needs it, from
//   `Authorization: Bearer` (scheme in any case), the session cookie, or (WebSocket
//   upgrades only, where a browser cannot set headers) `?token=`; compared in constant time.
// Pure logic: no sockets, no Beast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/net/http_message.hpp"

namespace tickflow {

struct AccessPolicy {
  std::vector<std::string> allowed_hosts;    // Host names besides loopback names, IP literals and the bound host
  std::vector<std::string> allowed_origins;  // origins besides the server's own, e.g. "https://tools.example:8443"
  std::string token;                         // empty: no token needed
  std::vector<std::string> open_paths;       // reachable without the token (e.g. /healthz, /login)
  std::string cookie_name = "tickflow_token";
};

class AccessGuard {
 public:
  // `bound_host` is the listen address's host ("127.0.0.1", "0.0.0.0", a name).
  AccessGuard(AccessPolicy policy, std::string bound_host);

  // The refusal for `request`, or nothing when it may go on; sets request.authenticated.
  // `upgrade`: a WebSocket upgrade request.
  std::optional<HttpResponse> check(HttpRequest& request, bool upgrade) const;

  std::optional<HttpResponse> check_host(const HttpRequest& request) const;
  std::optional<HttpResponse> check_origin(const HttpRequest& request) const;
  bool has_token(const HttpRequest& request, bool upgrade) const;
  bool token_required() const { return !policy_.token.empty(); }
  const AccessPolicy& policy() const { return policy_; }

 private:
  bool host_name_allowed(std::string_view name) const;

  AccessPolicy policy_;
  std::string bound_host_;
};

// Why a server may not start on `listen_host` (empty when it may): a non-loopback address
// serves anyone who can reach it, so it needs a token, or `insecure` said out loud.
std::string exposure_refusal(std::string_view listen_host, bool has_token, bool insecure,
                             std::string_view listen_option, std::string_view token_variable);

// The start-up check of a server about to listen on `listen_host` with `token` (empty:
// none): the token's form, and a reachable address without a token, refused unless
// `insecure`, and then said loudly in `service`'s log. Empty, or why it may not start.
std::string check_exposure(std::string_view service, std::string_view listen_host, std::string_view token,
                           bool insecure, std::string_view listen_option, std::string_view token_variable);

// Whether `token` can travel in a cookie and a header as is: printable ASCII without
// spaces, quotes, commas, semicolons or backslashes.
bool token_is_header_safe(std::string_view token);

// Equal strings, compared without an early exit so timing does not reveal how much of a
// guess was right (the length may show; tokens are long and random).
bool same_secret(std::string_view a, std::string_view b);

// The host part of a Host header value ("example.com:80" → "example.com", "[::1]:5" → "[::1]").
std::string_view host_name_of(std::string_view host_header);

// Whether `host` is a loopback address or name: 127.0.0.0/8, ::1, localhost.
bool is_loopback_host(std::string_view host);

// ASCII case-insensitive equality (header names, schemes, media types).
bool equals_ignoring_case(std::string_view a, std::string_view b);

// Whether `value` (a Content-Type header) names one of `media_types`, parameters ignored.
bool has_media_type(std::string_view value, std::initializer_list<std::string_view> media_types);

// The value of cookie `name` in a Cookie header; empty when absent.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

// The value of `name` in the query string of `target`, percent-decoded; nothing if absent
// or badly encoded.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace tickflow
