#include "src/net/http_client.hpp"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tickflow {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  url.remove_prefix(scheme.size());
  HttpUrl out;
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view p = authority.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(port);
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued asynchronous operations to completion (each has its own deadline).
  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) stream.reset();
    return ec;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpClientResult HttpClient::request(std::string_view method, std::string_view target, std::string_view content_type,
                                     std::string_view body,
                                     const std::vector<std::pair<std::string, std::string>>& headers) {
  auto& s = *impl_;
  HttpClientResult result;
  // A kept-alive connection the server closed in the meantime fails on first use: retry
  // once on a fresh connection before reporting.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = !s.stream.has_value();
    if (fresh) {
      if (auto ec = s.connect()) {
        result.error = ec.message();
        return result;
      }
    }
    auto bsv = [](std::string_view v) { return beast::string_view(v.data(), v.size()); };
    http::request<http::string_body> req{http::string_to_verb(bsv(method)), bsv(target), 11};
    req.set(http::field::host, s.host);
    req.set(http::field::user_agent, "tickflow");
    if (!content_type.empty()) req.set(http::field::content_type, bsv(content_type));
    for (const auto& [name, value] : headers) req.set(name, value);
    req.keep_alive(true);
    req.body() = std::string(body);
    req.prepare_payload();

    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    s.stream->expires_after(s.timeout);
    http::async_write(*s.stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (e) return;
      s.stream->expires_after(s.timeout);
      http::async_read(*s.stream, s.buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    s.run();
    if (!ec) {
      auto& res = parser.get();
      result.ok = true;
      result.status = static_cast<int>(res.result_int());
      result.body = std::move(res.body());
      result.retry_after = std::string(res[http::field::retry_after]);
      if (!res.keep_alive()) s.stream.reset();
      return result;
    }
    s.stream.reset();
    s.buffer.clear();
    result.error = ec.message();
    if (fresh) break;  // a brand-new connection failed: no point retrying here
  }
  return result;
}

}  // namespace tickflow
