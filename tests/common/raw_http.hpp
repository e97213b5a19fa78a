// The attacker's side of the security tests: raw HTTP and WebSocket bytes over loopback
// TCP, with any header (Host, Origin, Transfer-Encoding) and from any loopback source
// address, so one "client" (127.0.0.2) can flood while the user (127.0.0.1) checks that
// the server still answers. Blocking sockets with receive timeouts; no Beast, so the
// requests are exactly the bytes written here.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickflow::testing {

// A connected socket from `source` (a loopback address) to 127.0.0.1:port; -1 on failure.
inline int connect_from(const char* source, std::uint16_t port, int receive_buffer = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

inline bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct RawResponse {
  int status = 0;  // 0: no response (closed or timed out)
  std::string head;
  std::string body;
  std::string header(std::string_view name) const {  // first header of that name (case as sent by tickflow)
    std::string key = "\r\n" + std::string(name) + ": ";
    auto at = head.find(key);
    if (at == std::string::npos) return {};
    auto start = at + key.size();
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

// Reads one response (head, then Content-Length bytes of body).
inline RawResponse read_response(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  set_receive_timeout(fd, timeout);
  RawResponse r;
  std::string got;
  char buf[65536];
  std::size_t head_end = std::string::npos;
  std::size_t want = 0;
  for (;;) {
    if (head_end == std::string::npos) {
      head_end = got.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        r.head = got.substr(0, head_end);
        auto cl = r.header("Content-Length");
        want = head_end + 4 + (cl.empty() ? 0 : std::stoul(cl));
        if (r.head.rfind("HTTP/1.1 101", 0) == 0) want = head_end + 4;
      }
    }
    if (head_end != std::string::npos && got.size() >= want) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return r;  // status stays 0
    got.append(buf, static_cast<std::size_t>(n));
  }
  r.status = std::stoi(r.head.substr(9, 3));
  r.body = got.substr(head_end + 4, want - head_end - 4);
  return r;
}

// One request on a fresh connection from `source`; `extra` are whole header lines.
inline RawResponse raw_request(std::uint16_t port, std::string_view method, std::string_view target,
                               std::vector<std::string> extra = {}, std::string_view body = {},
                               const char* source = "127.0.0.1") {
  int fd = connect_from(source, port);
  if (fd < 0) return {};
  std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  bool has_host = false;
  for (const auto& h : extra) has_host |= h.rfind("Host:", 0) == 0;
  if (!has_host) req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& h : extra) req += h + "\r\n";
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "Connection: close\r\n\r\n";
  req += body;
  RawResponse r;
  if (send_all(fd, req)) r = read_response(fd);
  ::close(fd);
  return r;
}

// The upgrade request of a WebSocket client; `extra` are whole header lines (Origin, Cookie).
inline std::string websocket_upgrade(std::uint16_t port, std::string_view path, const std::vector<std::string>& extra) {
  std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n";
  for (const auto& h : extra) req += h + "\r\n";
  return req + "\r\n";
}

// Opens a WebSocket from `source`; the connected fd with the answer's status (101 when
// open), or fd -1.
struct RawWebSocket {
  int fd = -1;
  int status = 0;
};
inline RawWebSocket open_websocket(std::uint16_t port, std::string_view path,
                                   const std::vector<std::string>& extra = {}, const char* source = "127.0.0.1",
                                   int receive_buffer = 0) {
  RawWebSocket ws;
  ws.fd = connect_from(source, port, receive_buffer);
  if (ws.fd < 0) return ws;
  if (!send_all(ws.fd, websocket_upgrade(port, path, extra))) return ws;
  ws.status = read_response(ws.fd).status;
  return ws;
}

// The status a WebSocket upgrade gets (101 when it would open); the connection is closed.
inline int upgrade_status(std::uint16_t port, std::string_view path, const std::vector<std::string>& extra = {},
                          const char* source = "127.0.0.1") {
  auto ws = open_websocket(port, path, extra, source);
  if (ws.fd >= 0) ::close(ws.fd);
  return ws.status;
}

// A client's text frame (masked, as RFC 6455 requires of clients; the zero mask leaves the
// payload as is).
inline std::string client_text_frame(std::string_view payload) {
  std::string f;
  f += static_cast<char>(0x81);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  }
  f.append(4, '\0');
  f += payload;
  return f;
}

// Reads server frames until a close frame; its status code, or nothing when the connection
// ended (or timed out) without one. `frames` counts the data frames before it.
inline std::optional<int> read_until_close(int fd, std::size_t* frames = nullptr,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  set_receive_timeout(fd, std::chrono::milliseconds(2000));
  std::string buf;
  char chunk[65536];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t pos = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    // Parse whole frames from pos.
    for (;;) {
      if (buf.size() < pos + 2) break;
      auto b0 = static_cast<unsigned char>(buf[pos]);
      auto b1 = static_cast<unsigned char>(buf[pos + 1]);
      std::size_t header = 2;
      std::uint64_t len = b1 & 0x7f;
      if (len == 126) {
        if (buf.size() < pos + 4) break;
        len = (static_cast<unsigned char>(buf[pos + 2]) << 8) | static_cast<unsigned char>(buf[pos + 3]);
        header = 4;
      } else if (len == 127) {
        if (buf.size() < pos + 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i)
          len = (len << 8) | static_cast<unsigned char>(buf[pos + 2 + static_cast<std::size_t>(i)]);
        header = 10;
      }
      if (buf.size() < pos + header + len) break;
      if ((b0 & 0x0f) == 0x8) {
        if (len < 2) return 1005;
        return (static_cast<unsigned char>(buf[pos + header]) << 8) | static_cast<unsigned char>(buf[pos + header + 1]);
      }
      if (frames && (b0 & 0x0f) == 0x1) ++*frames;
      pos += header + len;
    }
    if (pos > (1u << 20)) {
      buf.erase(0, pos);
      pos = 0;
    }
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) return std::nullopt;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::nullopt;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

}  // namespace tickflow::testing
