#include "src/net/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "src/net/connection_limits.hpp"

namespace tickflow {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  std::optional<WebSocketEndpoint> websocket;
  AccessGuard guard;
  // Counters and limits before the io_context: sessions still queued in it are destroyed
  // with it and update them on the way out.
  std::atomic<std::uint64_t> accepted{0}, refused{0}, timed_out{0};
  std::atomic<std::uint64_t> websockets_refused{0}, websockets_overflowed{0}, access_refused{0};
  ConnectionLimits limits;
  // Handles requests with large bodies, so that parsing them never holds an I/O thread.
  std::unique_ptr<net::thread_pool> workers;
  // One io_context per I/O thread, each run by that thread alone; a connection lives on
  // one of them, so its handlers run one at a time without a strand. One io_context run
  // by every thread had a thread in epoll wake another for each request, through a shared
  // lock.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  // Each context's run() keeps going while it has no connection yet (it returns when out
  // of work, and a connection handed to it later would never be served).
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::size_t next_context = 0;  // whose turn the next connection is: the acceptor's thread only
  std::optional<tcp::acceptor> acceptor;  // on contexts[0]
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;

  Impl(HttpServerOptions o, HttpHandler h, std::optional<WebSocketEndpoint> ws)
      : options(std::move(o)),
        handler(std::move(h)),
        websocket(std::move(ws)),
        guard(options.access, options.address),
        limits(ConnectionLimitValues{options.max_connections, options.clients.connections_per_address,
                                     options.clients.websockets, options.clients.websockets_per_address}) {
    // As many workers as I/O threads: large batches parse in parallel as they did on them.
    if (options.offload_body_bytes > 0) workers = std::make_unique<net::thread_pool>(std::max(1, options.threads));
    for (int i = 0; i < std::max(1, options.threads); ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      keep_running.push_back(net::make_work_guard(*contexts.back()));
    }
  }
  void accept();
};

namespace {

// For the server's own fixed messages (no quotes or backslashes in them).
HttpResponse plain_error(int status, std::string message) {
  return json_response(status, fmt::format("{{\"error\":\"{}\"}}", message));
}

// One upgraded connection: reads text messages and answers each with the endpoint's
// reply, or, in push mode, hands itself to the endpoint as a peer that the server writes
// to from any thread. Writes go through a queue on the session's thread, one at a time;
// a peer that lets more than websocket_queue_bytes pile up (it does not read) is closed
// with 1008 rather than let the queue grow without bound. Owned by its pending
// operations; closes on error, timeout (no pong) or close frame.
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream stream, HttpServer::Impl& server, ConnectionLimits::Slot slot)
      : ws_(std::move(stream)), server_(server), slot_(std::move(slot)) {}

  void accept(http::request<http::string_body> upgrade, HttpRequest request) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts take over
    // Ping an idle client every 10 s and drop it when 20 s pass without an answer, so a
    // vanished browser does not hold its queue.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(20);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(server_.options.max_body_bytes);
    ws_.async_accept(upgrade, [self = shared_from_this(), request = std::move(request)](beast::error_code ec) {
      if (ec) return;
      self->open_ = true;
      if (self->server_.websocket->on_open) {
        self->peer_ = std::make_shared<Peer>(self);
        self->server_.websocket->on_open(self->peer_, request);
      }
      self->read();
    });
  }

  // Called on any thread.
  bool send(std::string text) {
    if (!open_ || overflowed_) return false;
    std::size_t bytes = text.size();
    if (queued_bytes_.fetch_add(bytes) + bytes > server_.options.clients.websocket_queue_bytes) {
      queued_bytes_.fetch_sub(bytes);
      overflowed_ = true;
      server_.websockets_overflowed.fetch_add(1);
      // A write is in flight whenever the outbox is not empty (write_next runs as it fills).
      net::post(ws_.get_executor(), [self = shared_from_this()] { self->drop_queue(!self->outbox_.empty()); });
      return false;
    }
    queued_.fetch_add(1);
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
      if (self->overflowed_) return self->forget(text.size());
      self->outbox_.push_back(std::move(text));
      if (self->outbox_.size() == 1) self->write_next();
    });
    return true;
  }

  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->close_with(websocket::close_code::normal, ""); });
  }

  bool is_open() const { return open_ && !overflowed_; }
  std::size_t queued() const { return queued_.load(); }

 private:
  // What the endpoint holds: forwards to the session while it lives.
  class Peer final : public WebSocketPeer {
   public:
    explicit Peer(const std::shared_ptr<WebSocketSession>& session) : session_(session) {}
    bool send(std::string text) override {
      auto s = session_.lock();
      return s && s->send(std::move(text));
    }
    void close() override {
      if (auto s = session_.lock()) s->close();
    }
    bool is_open() const override {
      auto s = session_.lock();
      return s && s->is_open();
    }
    std::size_t queued() const override {
      auto s = session_.lock();
      return s ? s->queued() : 0;
    }

   private:
    std::weak_ptr<WebSocketSession> session_;
  };

  void forget(std::size_t bytes) {
    queued_.fetch_sub(1);
    queued_bytes_.fetch_sub(bytes);
  }

  // The peer stopped reading: drop what waits, keeping the frame being written if one is
  // (the outbox's front, while a write is in flight), and close with 1008 once none is.
  void drop_queue(bool writing) {
    const std::size_t keep = writing ? 1 : 0;
    while (outbox_.size() > keep) {
      forget(outbox_.back().size());
      outbox_.pop_back();
    }
    if (outbox_.empty()) close_with(websocket::close_code::policy_error, "not reading: outgoing queue full");
  }

  void close_with(websocket::close_code code, const char* reason) {
    if (!open_ || closing_) return;
    closing_ = true;
    ws_.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](beast::error_code) {
      self->open_ = false;
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {  // closed, timed out or broken: the session ends
        self->open_ = false;
        return;
      }
      std::string message = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->overflowed_) return;  // closing: nothing more is answered
      const auto& endpoint = *self->server_.websocket;
      try {
        if (endpoint.on_peer_message && self->peer_) {
          endpoint.on_peer_message(self->peer_, message);
        } else if (endpoint.on_message) {
          std::string reply = endpoint.on_message(message);
          if (!reply.empty()) self->send(std::move(reply));
        }
      } catch (const std::exception&) {
        self->send("{\"error\":\"internal error\"}");
      }
      self->read();
    });
  }

  void write_next() {
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->forget(self->outbox_.front().size());
      self->outbox_.pop_front();
      if (ec) {
        self->open_ = false;
        while (!self->outbox_.empty()) {
          self->forget(self->outbox_.front().size());
          self->outbox_.pop_front();
        }
        return;
      }
      if (self->overflowed_) return self->drop_queue(false);  // this write is done
      if (!self->outbox_.empty()) self->write_next();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  HttpServer::Impl& server_;
  ConnectionLimits::Slot slot_;
  std::deque<std::string> outbox_;  // on the session's thread only
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> open_{false};
  std::atomic<bool> overflowed_{false};
  bool closing_ = false;  // on the session's thread only
  std::shared_ptr<Peer> peer_;
};

// Transfer-Encoding must be exactly "chunked" and never beside Content-Length: anything
// else is how requests are smuggled past a proxy that reads them differently.
bool ambiguous_framing(const http::request_parser<http::string_body>& parser) {
  const auto& h = parser.get();
  auto te = h.find(http::field::transfer_encoding);
  if (te == h.end()) return false;
  std::string_view value(te->value().data(), te->value().size());
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return !equals_ignoring_case(value, "chunked") || h.count(http::field::transfer_encoding) > 1 ||
         h.find(http::field::content_length) != h.end();
}

// One connection: reads requests one after another (keep-alive), checks each header with
// the AccessGuard before its body is read, calls the handler (on a worker thread for large
// bodies), writes the answer. Owned by the pending asynchronous operation (shared_from_this).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server, ConnectionLimits::Slot slot)
      : stream_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    if (requests_ > 0 && buffer_.size() == 0) {
      // A kept-alive connection may wait idle_timeout for its next request to start; from
      // its first byte on, the header has header_timeout like any other.
      stream_.expires_after(server_.options.idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        if (ec) return self->on_read_error(ec);
        self->buffer_.commit(n);
        self->read_header_in_time();
      });
      return;
    }
    read_header_in_time();
  }

  void read_header_in_time() {
    stream_.expires_after(server_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    if (ambiguous_framing(*parser_)) {
      return respond(plain_error(400, "Transfer-Encoding must be exactly 'chunked', without Content-Length"), false);
    }
    const auto& msg = parser_->get();
    request_ = HttpRequest{};
    request_.method = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    request_.content_type = std::string(msg[http::field::content_type]);
    request_.authorization = std::string(msg[http::field::authorization]);
    request_.origin = std::string(msg[http::field::origin]);
    request_.host = std::string(msg[http::field::host]);
    request_.cookie = std::string(msg[http::field::cookie]);
    // Refused before the body is read: a client without the right to send one does not
    // get to make the server read megabytes.
    if (auto refusal = server_.guard.check(request_, websocket::is_upgrade(msg))) {
      server_.access_refused.fetch_add(1);
      return respond(std::move(*refusal), false);
    }
    stream_.expires_after(server_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      server_.timed_out.fetch_add(1);
      return close();
    }
    if (ec == http::error::header_limit) {
      return respond(plain_error(431, "request header too large"), false);
    }
    if (ec == http::error::body_limit) {
      return respond(plain_error(413, fmt::format("body larger than {} bytes", server_.options.max_body_bytes)), false);
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted) {
      return close();
    }
    // Anything else is a malformed request; answer once and hang up.
    respond(plain_error(400, fmt::format("malformed HTTP request: {}", ec.message())), false);
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    ++requests_;
    auto& msg = parser_->get();
    if (websocket::is_upgrade(msg)) return upgrade();
    request_.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    if (server_.workers && request_.body.size() > server_.options.offload_body_bytes) {
      net::post(*server_.workers, [self = shared_from_this(), keep_alive] {
        HttpResponse res = self->call_handler();
        net::post(self->stream_.get_executor(),
                  [self, keep_alive, res = std::move(res)]() mutable { self->respond(std::move(res), keep_alive); });
      });
      return;
    }
    respond(call_handler(), keep_alive);
  }

  HttpResponse call_handler() {
    try {
      return server_.handler(request_);
    } catch (const std::exception&) {
      return plain_error(500, "internal error");
    }
  }

  void upgrade() {
    const auto& ws = server_.websocket;
    if (!ws || request_.path() != ws->path) return respond(plain_error(404, "no WebSocket endpoint here"), false);
    if (ws->admit) {
      if (auto refusal = ws->admit(request_)) return respond(std::move(*refusal), false);
    }
    if (!server_.limits.upgrade(slot_)) {
      server_.websockets_refused.fetch_add(1);
      HttpResponse r = plain_error(503, "too many WebSocket connections; retry later");
      r.headers.emplace_back("Retry-After", "5");
      return respond(std::move(r), false);
    }
    // The connection now belongs to the WebSocket session.
    std::make_shared<WebSocketSession>(std::move(stream_), server_, std::move(slot_))
        ->accept(parser_->release(), std::move(request_));
  }

  void respond(HttpResponse r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "tickflow");
    res->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(server_.options.body_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->close();
      self->read_header();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl& server_;
  ConnectionLimits::Slot slot_;
  HttpRequest request_;
  std::uint64_t requests_ = 0;
};

}  // namespace

void HttpServer::Impl::accept() {
  // Connections go to the threads in turn.
  net::any_io_executor next = contexts[next_context++ % contexts.size()]->get_executor();
  acceptor->async_accept(next, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      beast::error_code peer_ec;
      auto peer = socket.remote_endpoint(peer_ec);
      auto slot = limits.connect(peer_ec ? std::string() : peer.address().to_string());
      if (!slot) {
        refused.fetch_add(1);
        beast::error_code ignored;
        socket.close(ignored);  // over a limit: hang up at once rather than queue
      } else {
        accepted.fetch_add(1);
        std::make_shared<Session>(std::move(socket), *this, std::move(slot))->start();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, std::optional<WebSocketEndpoint> websocket)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(websocket))) {}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::start() {
  auto& s = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(s.options.address, ec);
  if (ec) return fmt::format("listen address '{}': {}", s.options.address, ec.message());
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.emplace(*s.contexts.front());
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fmt::format("cannot listen on {}:{}: {}", s.options.address, s.options.port, ec.message());
  s.bound_port = s.acceptor->local_endpoint().port();
  s.accept();
  for (auto& context : s.contexts) s.threads.emplace_back([&context = *context] { context.run(); });
  return {};
}

void HttpServer::stop() {
  auto& s = *impl_;
  if (s.acceptor) {
    net::post(*s.contexts.front(), [&s] {
      beast::error_code ignored;
      s.acceptor->close(ignored);
    });
  }
  // Requests still on a worker finish first: their answers are posted to the contexts.
  if (s.workers) s.workers->join();
  s.keep_running.clear();
  for (auto& context : s.contexts) context->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

HttpServerStats HttpServer::stats() const {
  const auto& s = *impl_;
  return {s.accepted.load(), s.refused.load(), s.timed_out.load(), static_cast<std::int64_t>(s.limits.open()),
          s.websockets_refused.load(), s.websockets_overflowed.load(), s.access_refused.load()};
}

}  // namespace tickflow
