// `dashboard`: the page on :5678 and what feeds it. Consumes the records (with their
// indicators and signal), alarms, notifications and summaries from the bus into a
// DashboardFeed (history kept in SQLite so a restart still shows the past), serves the
// page and its assets from the binary, the REST API (/api/symbols, history, signals,
// alarms, notifications, summary, thresholds), GET /metrics and /healthz, and pushes live
// messages over WebSocket /ws: a snapshot on connect (or the missed messages when the page
// resumes from a cursor), then batches every few milliseconds from a bounded per-page
// queue with conflation. The HTTP server's AccessGuard checks Host and Origin; an
// optional token guards everything but /healthz (a login form sets it as a cookie).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/net/http_message.hpp"
#include "src/net/http_server.hpp"
#include "src/services/dashboard/client_queue.hpp"
#include "src/services/dashboard/dashboard_feed.hpp"

namespace tickflow {

class HttpServer;
class FeedHistory;
class WebSocketPeer;

struct ThresholdsControl {
  std::function<std::string()> current;  // GET /api/thresholds: the signal rules as JSON
  // POST /api/thresholds: applies a change; the HTTP status and the body to answer.
  std::function<std::pair<int, std::string>(std::string_view body)> change;
};

struct DashboardOptions {
  std::string listen = "127.0.0.1:5678";
  std::string records_topic = "signals";
  std::string alarms_topic = "alarm_topic";
  std::string notifications_topic = "notifications";
  std::string summary_topic = "stock_summary";
  std::string group = "dashboard";
  std::string history_path;                  // empty: no history across restarts
  FeedLimits limits;
  std::size_t client_queue = 5000;           // pending non-conflatable messages per page before a resync
  std::chrono::milliseconds flush_every{16}; // one batch per page per animation frame
  std::vector<std::string> allowed_origins;  // besides the page's own address
  std::vector<std::string> allowed_hosts;    // Host names besides loopback names and IP addresses
  // When set, every path but /healthz needs it: the page logs in by a form that sets an
  // HttpOnly cookie; scripts send 'Authorization: Bearer TOKEN'.
  std::string token;
  bool insecure = false;  // a non-loopback listen address without a token is refused unless set
  std::size_t max_connections = 1024;
  HttpClientLimits clients;  // what one address, and WebSockets, may take of those
  ThresholdsControl thresholds;
};

struct DashboardCounters {
  std::atomic<std::uint64_t> records{0};
  std::atomic<std::uint64_t> batches_sent{0};
  std::atomic<std::uint64_t> conflated{0};
  std::atomic<std::uint64_t> resyncs{0};
  std::atomic<std::uint64_t> resumes{0};
  std::atomic<std::uint64_t> snapshots{0};
  std::atomic<std::int64_t> clients{0};
  std::atomic<std::int64_t> max_client_queue{0};  // the longest queue seen at the last flush
};

class DashboardService {
 public:
  // Throws std::invalid_argument (bad listen address, a reachable address without a token)
  // or std::runtime_error (history) at start-up.
  DashboardService(Bus& bus, DashboardOptions options);
  ~DashboardService();
  std::string start();  // binds the HTTP server: empty, or why it cannot
  // Consumes the bus and pushes to pages until `stop`; then stops the HTTP server.
  void run(std::stop_token stop);
  std::string url() const;
  const DashboardCounters& counters() const noexcept { return counters_; }
  const DashboardFeed& feed() const noexcept { return feed_; }

 private:
  struct Client {
    std::shared_ptr<WebSocketPeer> peer;
    ClientQueue queue;
  };

  HttpResponse handle(const HttpRequest& request);
  HttpResponse login(const HttpRequest& request) const;
  void open_client(std::shared_ptr<WebSocketPeer> peer, const HttpRequest& request);
  void broadcast(const std::vector<FeedMessage>& messages);
  void flush_clients();
  std::string metrics_text() const;

  Bus& bus_;
  DashboardOptions options_;
  std::string host_;
  DashboardFeed feed_;
  std::unique_ptr<FeedHistory> history_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex clients_mutex_;
  std::vector<std::unique_ptr<Client>> clients_;
  DashboardCounters counters_;
};

}  // namespace tickflow
