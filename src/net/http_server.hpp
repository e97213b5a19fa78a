// HTTP/1.1 server (Boost.Beast) that hands each complete request to a handler: keep-alive,
// many connections, limits on header size (431), body size (413) and connections (in all,
// per client address, WebSockets), a header timeout on every request and a body timeout
// that cut off slow clients (slowloris), strict Transfer-Encoding, a bound on each
// WebSocket's outgoing queue, and the AccessGuard (Host, Origin, token) run on every
// request's header before its body is read. Binds 127.0.0.1 unless told.
// Runs its own I/O threads between start() and stop(); the handler is called on them (or,
// for large bodies, on a worker thread, so the I/O thread keeps answering /healthz),
// possibly concurrently, and must be thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <string>

#include "src/net/access_guard.hpp"
#include "src/net/http_message.hpp"

namespace tickflow {

// What one client address may take of a server, and what WebSockets may take in all.
struct HttpClientLimits {
  std::size_t connections_per_address = 1024;  // one client address holds at most this many
  std::size_t websockets = 512;                // within max_connections: the rest stays for requests
  std::size_t websockets_per_address = 256;
  // A WebSocket whose peer does not read is closed (1008) once this much waits for it.
  std::size_t websocket_queue_bytes = 8 * 1024 * 1024;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 5000;  // 0: any free port (see HttpServer::port)
  int threads = 1;  // I/O threads; connections are given to them in turn, each kept by one
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_connections = 4096;
  HttpClientLimits clients;
  std::chrono::milliseconds header_timeout{10'000};  // a request's header must arrive in this time
  std::chrono::milliseconds body_timeout{30'000};    // then the body
  std::chrono::milliseconds idle_timeout{60'000};    // a kept-alive connection waits this for a request to start
  // Requests with a larger body are handled on a worker thread; smaller ones (and every
  // GET) on the I/O thread. 0: always on the I/O thread.
  std::size_t offload_body_bytes = 64 * 1024;
  AccessPolicy access;  // who may use the server (see access_guard.hpp)
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// One open WebSocket connection, for servers that push: send() from any thread queues a
// text message; they are written in order. The peer stays valid after the connection
// ends (send then returns false), so holders need no locking against the I/O threads.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual bool send(std::string text) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual std::size_t queued() const = 0;  // messages not yet written to the socket
};

// WebSocket endpoint on one path: request/answer per text message, or, with on_open,
// a connection the server pushes to.
struct WebSocketEndpoint {
  std::string path = "/ws";
  // Whether an upgrade request may connect: nothing to accept it, or the HTTP answer that
  // refuses it (401, 403, ...).
  std::function<std::optional<HttpResponse>(const HttpRequest&)> admit;
  // The answer to one text message (sent back as one text message); an empty answer
  // sends nothing.
  std::function<std::string(std::string_view message)> on_message;
  // Push mode: called once a connection is accepted (with the upgrade request), and for
  // each message it sends; the server answers through the peer.
  std::function<void(std::shared_ptr<WebSocketPeer>, const HttpRequest&)> on_open;
  std::function<void(const std::shared_ptr<WebSocketPeer>&, std::string_view message)> on_peer_message;
};

struct HttpServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // over max_connections or max_connections_per_address
  std::uint64_t timed_out = 0;            // cut off by a read timeout
  std::int64_t open_connections = 0;
  std::uint64_t websockets_refused = 0;   // upgrades over a WebSocket limit (503)
  std::uint64_t websockets_overflowed = 0;  // closed for not reading (1008)
  std::uint64_t access_refused = 0;       // refused by the AccessGuard (401/403)
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, std::optional<WebSocketEndpoint> websocket = {});
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Returns an empty string, or why it could not (start-up).
  std::string start();
  // Stops accepting, closes every connection, joins the I/O threads.
  void stop();

  std::uint16_t port() const;  // the bound port (useful with port 0)
  HttpServerStats stats() const;

  struct Impl;  // in the .cpp; public so its connection class can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickflow
