// Floods against the real server, each bounded: a large body of bad records (memory and
// answer size, /healthz answering meanwhile), idle WebSockets filling the dashboard, a
// WebSocket client that never reads, slowloris connections, and a kept-alive connection
// that starts a second request and stalls. The attacker connects from 127.0.0.2, the user
// checks from 127.0.0.1. CI runs reduced sizes (limits lowered by flags); with
// TICKFLOW_FLOOD_FULL=1 (make bench) they run at the sizes against the default
// limits: 1,024 idle WebSockets, up to 1 M frames unread, 4,200 slowloris connections. The two tests that bound the
// server's RSS run on the release build only: the asan test preset leaves them out, since ASan's shadow memory and
// quarantine are not the product's memory.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/security/served_tickflow.hpp"

namespace tickflow::testing {
namespace {

using namespace std::chrono_literals;
constexpr const char* attacker = "127.0.0.2";

// CI's reduced floods, or the full ones at the default limits.
struct FloodSize {
  bool full;
  int idle_websockets;
  std::vector<std::string> websocket_limits;  // flags; none at full size
  int websockets_per_address;
  int unread_frames;
  int records_per_frame;
  std::vector<std::string> queue_limit;
  int slowloris;
  std::vector<std::string> slowloris_limits;
  std::chrono::milliseconds header_timeout;
};

FloodSize flood_size() {
  if (const char* full = std::getenv("TICKFLOW_FLOOD_FULL"); full && std::string(full) == "1") {
    return {true, 1024, {}, 256, 1'000'000, 1, {}, 4200, {}, 10s};
  }
  return {false,
          60,
          {"--http.max_websockets", "40", "--http.max_websockets_per_address", "20"},
          20,
          20'000,
          100,
          {"--http.websocket_queue_bytes", "1048576"},
          300,
          {"--http.max_connections_per_address", "100", "--ingest.header_timeout_ms", "3000"},
          3000ms};
}

// A /healthz probe from the user: its status, or 0 when it did not answer within `within`.
int probe_health(std::uint16_t port, std::chrono::milliseconds within) {
  int fd = connect_from("127.0.0.1", port);
  if (fd < 0) return 0;
  send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  int status = read_response(fd, within).status;
  ::close(fd);
  return status;
}

TEST(Flood, LargeBodyOfBadRecordsIsBoundedInMemoryAndAnswer) {
  ServedTickflow tf(ServedTickflow::Kind::ingest);
  ASSERT_TRUE(tf.ready());
  std::string body = "[";
  std::size_t records = 0;
  for (; body.size() < 8 * 1024 * 1024 - 8; ++records) body += "{},";
  body.back() = ']';
  const long rss_before = tf.rss_kb();
  tf.reset_peak();

  std::atomic<bool> done{false};
  RawResponse answer;
  std::thread flood([&] {
    answer = raw_request(tf.ingest_port, "POST", "/ingest", {"Content-Type: application/json"}, body, attacker);
    done = true;
  });
  int probes = 0, healthy = 0;
  while (!done) {
    ++probes;
    if (probe_health(tf.ingest_port, 10s) == 200) ++healthy;  // within header_timeout
    std::this_thread::sleep_for(20ms);
  }
  flood.join();
  const long peak = tf.peak_kb();

  ASSERT_EQ(answer.status, 200) << answer.head;
  EXPECT_NE(answer.body.find("\"accepted\":0"), std::string::npos);
  EXPECT_NE(answer.body.find("\"rejected_count\":" + std::to_string(records) + ","), std::string::npos)
      << answer.body.substr(0, 300);
  EXPECT_LE(answer.body.size(), 4 * body.size()) << "an answer within 4x the request";
  EXPECT_LE(answer.body.size(), 64u * 1024) << "in fact a few described rejections and a count";
  EXPECT_LE(peak - rss_before, 64 * 1024) << "RSS grew by " << (peak - rss_before) / 1024 << " MB for an 8 MiB body";
  EXPECT_EQ(healthy, probes) << "/healthz must answer while the batch is handled";
  std::cout << "8 MiB bad body: answer " << answer.body.size() << " bytes, RSS +" << (peak - rss_before) / 1024
            << " MB at peak, " << healthy << "/" << probes << " health probes answered meanwhile\n";
}

TEST(Flood, IdleWebSocketsCannotFillTheDashboard) {
  const FloodSize size = flood_size();
  ServedTickflow tf(ServedTickflow::Kind::run, size.websocket_limits);
  ASSERT_TRUE(tf.ready());
  std::vector<int> fds;
  int opened = 0, refused = 0;
  for (int i = 0; i < size.idle_websockets; ++i) {
    auto ws = open_websocket(tf.dashboard_port, "/ws", {}, attacker);
    if (ws.status == 101) ++opened;
    if (ws.status == 503) ++refused;
    fds.push_back(ws.fd);
  }
  EXPECT_EQ(opened, size.websockets_per_address) << "one address holds at most max_websockets_per_address";
  EXPECT_EQ(refused, size.idle_websockets - size.websockets_per_address);
  // The user still gets the page, the API, health and a live feed of their own.
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/").status, 200);
  EXPECT_EQ(raw_request(tf.dashboard_port, "GET", "/api/symbols").status, 200);
  EXPECT_EQ(probe_health(tf.dashboard_port, 10s), 200);
  EXPECT_EQ(upgrade_status(tf.dashboard_port, "/ws"), 101);
  std::cout << size.idle_websockets << " idle WebSockets from one address: " << opened << " open, " << refused
            << " refused (503); the page, the API, /healthz and a live feed of the user's still served\n";
  for (int fd : fds) ::close(fd);
}

TEST(Flood, WebSocketClientThatNeverReadsIsClosedNotQueuedForever) {
  const FloodSize size = flood_size();
  ServedTickflow tf(ServedTickflow::Kind::ingest, size.queue_limit);
  ASSERT_TRUE(tf.ready());
  auto ws = open_websocket(tf.ingest_port, "/ws", {}, attacker, 4096);
  ASSERT_EQ(ws.status, 101);
  // Each message is bad records; its answer describes each, many times the message, and
  // the client reads none of them.
  std::string message;
  for (int i = 0; i < size.records_per_frame; ++i) message += "{}\n";
  std::string frame = client_text_frame(message);
  const long rss_before = tf.rss_kb();
  int sent = 0;
  set_receive_timeout(ws.fd, 100ms);
  timeval tv{0, 200000};
  ::setsockopt(ws.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  for (; sent < size.unread_frames; ++sent) {
    if (!send_all(ws.fd, frame)) break;  // the server closed, or stopped reading
  }
  const long rss_after = tf.rss_kb();
  std::size_t frames = 0;
  auto code = read_until_close(ws.fd, &frames);
  ::close(ws.fd);
  ASSERT_TRUE(code.has_value()) << "the server never closed the connection (" << sent << " messages sent)";
  EXPECT_EQ(*code, 1008) << "policy violation: not reading";
  EXPECT_LE(rss_after - rss_before, 64 * 1024) << "RSS grew by " << (rss_after - rss_before) / 1024 << " MB";
  EXPECT_EQ(probe_health(tf.ingest_port, 10s), 200);
  std::cout << sent << " frames sent to a WebSocket that never reads: closed with " << *code << " after " << frames
            << " answers; RSS +" << (rss_after - rss_before) / 1024 << " MB\n";
}

TEST(Flood, SlowlorisFromOneAddressLeavesRoomForOthers) {
  const FloodSize size = flood_size();
  ServedTickflow tf(ServedTickflow::Kind::ingest, size.slowloris_limits);
  ASSERT_TRUE(tf.ready());
  std::vector<int> fds;
  for (int i = 0; i < size.slowloris; ++i) {
    int fd = connect_from(attacker, tf.ingest_port);
    if (fd >= 0) fds.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread drip([&] {
    const std::string header = "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa";
    for (std::size_t i = 0; !stop && i < header.size(); ++i) {
      for (int fd : fds) ::send(fd, &header[i], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(200ms);
    }
  });
  int probes = 0, healthy = 0;
  for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
    ++probes;
    if (probe_health(tf.ingest_port, size.header_timeout) == 200) ++healthy;  // within header_timeout
    std::this_thread::sleep_for(200ms);
  }
  stop = true;
  drip.join();
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(healthy, probes) << "/healthz failed while " << fds.size() << " connections dripped their headers";
  std::cout << fds.size() << " slowloris connections from one address: " << healthy << "/" << probes
            << " health probes answered within the header timeout\n";
}

TEST(Flood, KeptAliveRequestGetsTheHeaderTimeoutNotTheIdleOne) {
  ServedTickflow tf(ServedTickflow::Kind::ingest,
                    {"--ingest.header_timeout_ms", "500", "--ingest.idle_timeout_ms", "30000"});
  ASSERT_TRUE(tf.ready());
  int fd = connect_from(attacker, tf.ingest_port);
  ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_EQ(read_response(fd).status, 200);
  std::this_thread::sleep_for(1s);  // idle, within idle_timeout: still open
  ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHo"));
  auto started = std::chrono::steady_clock::now();
  set_receive_timeout(fd, 10s);
  char c;
  ssize_t n = ::recv(fd, &c, 1, 0);
  auto took = std::chrono::steady_clock::now() - started;
  ::close(fd);
  EXPECT_EQ(n, 0) << "the server should hang up";
  EXPECT_LT(took, 3s) << "the second request's header had " << std::chrono::duration<double>(took).count() << " s";
}

}  // namespace
}  // namespace tickflow::testing
