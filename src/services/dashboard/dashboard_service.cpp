#include "src/services/dashboard/dashboard_service.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/log/named_logger.hpp"
#include "src/net/access_guard.hpp"
#include "src/net/http_server.hpp"
#include "src/net/listen_address.hpp"
#include "src/services/common/prometheus_text.hpp"
#include "src/services/dashboard/web_assets.hpp"
#include "src/store/feed_history.hpp"

namespace tickflow {

namespace {

// API answers change with every record: no cache may keep them.
HttpResponse api_response(int status, std::string body) {
  HttpResponse r = json_response(status, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse error_response(int status, std::string_view field, std::string_view reason) {
  std::string body = "{\"error\":";
  json::append_string(body, reason);
  json::append_string_field(body, "field", field);
  body += '}';
  return api_response(status, std::move(body));
}

// Headers of every page and asset: no other site may frame the page (clickjacking), and the
// page may talk only to this server.
void add_page_headers(HttpResponse& res) {
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
}

// The form a browser gets instead of the page while it has no token: posting it sets the
// token as an HttpOnly cookie, so it never sits in a URL, the history or page scripts.
HttpResponse login_page(int status, std::string_view message) {
  HttpResponse res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>tickflow: log in</title></head>"
      "<body style=\"font-family:sans-serif;max-width:28em;margin:4em auto\"><h1>tickflow</h1>"
      "<p>This dashboard needs its token (TICKFLOW_DASHBOARD_TOKEN).</p><p id=\"message\">{}</p>"
      "<form method=\"post\" action=\"/login\"><input type=\"password\" name=\"token\" autofocus "
      "autocomplete=\"current-password\" aria-label=\"token\"> <button type=\"submit\">Log in</button></form>"
      "</body></html>",
      message);
  res.headers.emplace_back("Cache-Control", "no-store");
  add_page_headers(res);
  return res;
}

std::string random_epoch() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

}  // namespace

DashboardService::DashboardService(Bus& bus, DashboardOptions options)
    : bus_(bus), options_(std::move(options)), feed_(options_.limits, random_epoch()) {
  auto address = parse_listen_address(options_.listen);
  if (!address) throw std::invalid_argument(fmt::format("dashboard.listen '{}' is not host:port", options_.listen));
  host_ = address->host;
  if (auto problem = check_exposure("dashboard", host_, options_.token, options_.insecure, "dashboard.listen",
                                    "TICKFLOW_DASHBOARD_TOKEN");
      !problem.empty()) {
    throw std::invalid_argument(problem);
  }
  if (!options_.history_path.empty()) {
    history_ = std::make_unique<FeedHistory>(options_.history_path, options_.limits.resume_window);
    std::size_t restored = 0;
    history_->load([&](int source, std::string_view payload) {
      feed_.add(static_cast<FeedSource>(source), payload);
      ++restored;
    });
    named_logger("dashboard")->info("restored {} records from {}", restored, options_.history_path);
  }
  HttpServerOptions o;
  o.address = address->host;
  o.port = address->port;
  o.threads = 2;
  o.max_body_bytes = 64 * 1024;
  o.max_connections = options_.max_connections;
  o.clients = options_.clients;
  o.access.token = options_.token;
  o.access.allowed_origins = options_.allowed_origins;
  o.access.allowed_hosts = options_.allowed_hosts;
  o.access.open_paths = {"/healthz", "/login", "/", "/index.html"};  // the page shows the login form
  WebSocketEndpoint ws;
  ws.path = "/ws";
  ws.on_open = [this](std::shared_ptr<WebSocketPeer> peer, const HttpRequest& r) { open_client(std::move(peer), r); };
  ws.on_peer_message = [this](const std::shared_ptr<WebSocketPeer>& peer, std::string_view message) {
    // The page only pings (to measure the round trip); anything else is answered, not obeyed.
    if (message.find("\"ping\"") != std::string_view::npos) {
      peer->send(fmt::format("{{\"type\":\"pong\",\"cursor\":{}}}", feed_.cursor()));
    } else {
      peer->send("{\"type\":\"error\",\"error\":\"the only message a page sends is {\\\"type\\\":\\\"ping\\\"}\"}");
    }
  };
  server_ = std::make_unique<HttpServer>(o, [this](const HttpRequest& r) { return handle(r); }, ws);
}

DashboardService::~DashboardService() { server_->stop(); }

std::string DashboardService::start() { return server_->start(); }

std::string DashboardService::url() const { return fmt::format("http://{}:{}", host_, server_->port()); }

void DashboardService::open_client(std::shared_ptr<WebSocketPeer> peer, const HttpRequest& request) {
  auto client = std::make_unique<Client>(Client{std::move(peer), ClientQueue(options_.client_queue)});
  std::lock_guard lock(clients_mutex_);  // before the feed: no broadcast can slip between
  std::uint64_t cursor = 0;
  auto epoch = query_param(request.target, "epoch");
  auto from = query_param(request.target, "cursor");
  std::optional<std::vector<FeedMessage>> missed;
  if (epoch && *epoch == feed_.epoch() && from) {
    std::uint64_t c = 0;
    auto [p, ec] = std::from_chars(from->data(), from->data() + from->size(), c);
    if (ec == std::errc{} && p == from->data() + from->size()) {
      missed = feed_.since(c);
      cursor = c;
    }
  }
  if (missed) {
    client->queue.set_floor(cursor);
    for (const auto& m : *missed) client->queue.push(m);
    counters_.resumes.fetch_add(1);
  } else {
    std::string snapshot = feed_.snapshot(&cursor);
    client->queue.set_floor(cursor);
    client->peer->send(std::move(snapshot));
    counters_.snapshots.fetch_add(1);
  }
  clients_.push_back(std::move(client));
  counters_.clients.store(static_cast<std::int64_t>(clients_.size()));
}

void DashboardService::broadcast(const std::vector<FeedMessage>& messages) {
  if (messages.empty()) return;
  std::lock_guard lock(clients_mutex_);
  for (auto& c : clients_) {
    for (const auto& m : messages) c->queue.push(m);
  }
}

void DashboardService::flush_clients() {
  std::lock_guard lock(clients_mutex_);
  std::int64_t longest = 0;
  std::uint64_t conflated = 0;
  for (auto it = clients_.begin(); it != clients_.end();) {
    Client& c = **it;
    if (!c.peer->is_open()) {
      conflated += c.queue.conflated();
      it = clients_.erase(it);
      continue;
    }
    longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(c.queue.size()));
    if (c.queue.overflowed()) {
      // Too far behind to catch up message by message: start it afresh.
      std::uint64_t cursor = 0;
      c.peer->send("{\"type\":\"resync\",\"reason\":\"the page fell too far behind; here is a fresh snapshot\"}");
      c.peer->send(feed_.snapshot(&cursor));
      c.queue.reset(cursor);
      counters_.resyncs.fetch_add(1);
    } else if (c.peer->queued() < 4) {
      // One frame per flush; while the socket is still busy the queue conflates instead.
      if (std::string batch = c.queue.take_batch(2000); !batch.empty()) {
        c.peer->send(std::move(batch));
        counters_.batches_sent.fetch_add(1);
      }
    }
    conflated += c.queue.conflated();
    ++it;
  }
  counters_.clients.store(static_cast<std::int64_t>(clients_.size()));
  counters_.max_client_queue.store(longest);
  counters_.conflated.store(conflated);
}

void DashboardService::run(std::stop_token stop) {
  auto log = named_logger("dashboard");
  std::jthread fan_out([this](std::stop_token s) {
    while (!s.stop_requested()) {
      flush_clients();
      std::this_thread::sleep_for(options_.flush_every);
    }
  });
  auto sub = bus_.subscribe(
      {options_.records_topic, options_.alarms_topic, options_.notifications_topic, options_.summary_topic}, options_.group);
  std::vector<FeedMessage> messages;
  std::vector<FeedHistory::Row> rows;
  while (!stop.stop_requested()) {
    auto batch = sub->poll(2000, std::chrono::milliseconds(100));
    if (batch.empty()) continue;
    messages.clear();
    rows.clear();
    for (const auto& r : batch) {
      FeedSource source = r.topic == options_.alarms_topic          ? FeedSource::alarms
                          : r.topic == options_.notifications_topic ? FeedSource::notifications
                          : r.topic == options_.summary_topic       ? FeedSource::summaries
                                                                    : FeedSource::records;
      auto made = feed_.add(source, r.payload);
      if (made.empty()) continue;
      rows.push_back({static_cast<int>(source), r.payload});
      for (auto& m : made) messages.push_back(std::move(m));
    }
    counters_.records.fetch_add(batch.size());
    if (history_) {
      // History is a convenience for restarts: a failed write is reported, not fatal.
      if (auto s = history_->append(rows); !s.ok) log->warn("{}", s.message);
    }
    if (auto s = sub->commit(); !s.ok) log->warn("commit: {}", s.message);
    broadcast(messages);
  }
  sub->close();
  fan_out.request_stop();
  fan_out.join();
  server_->stop();
}

HttpResponse DashboardService::handle(const HttpRequest& r) {
  std::string_view path = r.path();
  // The server's AccessGuard has checked Host, Origin and the token (but for open paths).
  if (path == "/login") return r.method == "POST" ? login(r) : login_page(r.authenticated ? 200 : 401, "");
  if (!r.authenticated && path != "/healthz") return login_page(401, "");
  if (path == "/api/thresholds" && r.method == "POST") {
    if (!has_media_type(r.content_type, {"application/json"})) {
      return error_response(415, "Content-Type", "send the thresholds as application/json");
    }
    if (!options_.thresholds.change) return error_response(501, "thresholds", "not available in this process");
    auto [status, body] = options_.thresholds.change(r.body);
    return api_response(status, std::move(body));
  }
  if (r.method != "GET" && r.method != "HEAD") {
    auto res = error_response(405, "method", "use GET (POST only for /api/thresholds and /login)");
    res.headers.emplace_back("Allow", "GET");
    return res;
  }
  if (path == "/" || path == "/index.html" || path.substr(0, 8) == "/assets/") {
    std::string_view wanted = path == "/" ? "/index.html" : path;
    for (const auto& asset : web_assets()) {
      if (asset.path != wanted) continue;
      HttpResponse res;
      res.content_type = std::string(asset.content_type);
      res.body = std::string(asset.bytes);
      add_page_headers(res);
      return res;
    }
    return error_response(404, "path", fmt::format("no such file: {}", path));
  }
  if (path == "/api/symbols") return api_response(200, feed_.symbols_json());
  if (path == "/api/history") {
    auto symbol = query_param(r.target, "symbol");
    if (!symbol || symbol->empty()) return error_response(400, "symbol", "give ?symbol=, e.g. /api/history?symbol=AAPL");
    std::size_t limit = options_.limits.bars_per_symbol;
    if (auto l = query_param(r.target, "limit")) {
      auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
      if (ec != std::errc{} || p != l->data() + l->size() || limit == 0 || limit > options_.limits.bars_per_symbol) {
        return error_response(400, "limit",
                              fmt::format("limit must be a whole number from 1 to {}", options_.limits.bars_per_symbol));
      }
    }
    auto body = feed_.history_json(*symbol, limit);
    if (!body) return error_response(404, "symbol", fmt::format("no bars for symbol '{}'", *symbol));
    return api_response(200, std::move(*body));
  }
  if (path == "/api/signals") {
    auto side = query_param(r.target, "side").value_or("");
    if (!side.empty() && side != "buy" && side != "sell") return error_response(400, "side", "side is buy or sell");
    return api_response(200, feed_.signals_json(query_param(r.target, "symbol").value_or(""), side));
  }
  if (path == "/api/alarms") return api_response(200, feed_.alarms_json());
  if (path == "/api/notifications") return api_response(200, feed_.notifications_json());
  if (path == "/api/summary") return api_response(200, feed_.summary_json(query_param(r.target, "symbol").value_or("")));
  if (path == "/api/thresholds") {
    if (!options_.thresholds.current) return error_response(501, "thresholds", "not available in this process");
    return api_response(200, options_.thresholds.current());
  }
  if (path == "/healthz") {
    BusStatus health = bus_.health(std::chrono::milliseconds(1000));
    return health.ok ? api_response(200, "{\"service\":\"dashboard\",\"status\":\"ok\"}")
                     : error_response(503, "bus", health.message);
  }
  if (path == "/metrics") {
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = metrics_text();
    return res;
  }
  return error_response(404, "path",
                        fmt::format("no such path: {}; the page is at /, the API under /api/ (symbols, history, "
                                    "signals, alarms, notifications, summary, thresholds)",
                                    path));
}

HttpResponse DashboardService::login(const HttpRequest& r) const {
  if (options_.token.empty()) {
    HttpResponse res = api_response(303, "{}");
    res.headers.emplace_back("Location", "/");
    return res;
  }
  if (!has_media_type(r.content_type, {"application/x-www-form-urlencoded"})) {
    return error_response(415, "Content-Type", "log in with the page's form (application/x-www-form-urlencoded)");
  }
  auto token = query_param("?" + r.body, "token");
  if (!token || !same_secret(*token, options_.token)) {
    named_logger("dashboard")->warn("login refused: wrong token");
    return login_page(401, "That is not the token.");
  }
  HttpResponse res = api_response(303, "{}");
  res.headers.emplace_back("Location", "/");
  res.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                                     AccessPolicy{}.cookie_name, *token));
  return res;
}

std::string DashboardService::metrics_text() const {
  PrometheusText t;
  auto n = [](const auto& v) { return static_cast<double>(v.load()); };
  t.metric("tickflow_dashboard_records_total", "counter", "Records consumed from the bus.").sample(n(counters_.records));
  t.metric("tickflow_dashboard_clients", "gauge", "Pages connected to /ws.").sample(n(counters_.clients));
  t.metric("tickflow_dashboard_batches_total", "counter", "WebSocket frames of live messages sent.")
      .sample(n(counters_.batches_sent));
  t.metric("tickflow_dashboard_conflated_total", "counter", "Messages replaced by a newer one before a page got them.")
      .sample(n(counters_.conflated));
  t.metric("tickflow_dashboard_resyncs_total", "counter", "Pages too far behind that got a fresh snapshot.")
      .sample(n(counters_.resyncs));
  t.metric("tickflow_dashboard_connects_total", "counter", "Connections by how they started.")
      .sample(PrometheusText::label("start", "snapshot"), n(counters_.snapshots))
      .sample(PrometheusText::label("start", "resume"), n(counters_.resumes));
  t.metric("tickflow_dashboard_max_client_queue", "gauge", "The longest per-page queue at the last flush.")
      .sample(n(counters_.max_client_queue));
  t.metric("tickflow_dashboard_ignored_symbols_total", "counter", "Records of symbols past dashboard.max_symbols.")
      .sample(static_cast<double>(feed_.ignored_symbols()));
  append_bus_metrics(t, bus_.counters());
  return t.text();
}

}  // namespace tickflow
