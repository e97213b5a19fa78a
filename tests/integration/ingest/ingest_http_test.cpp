// The ingest service over real HTTP on loopback (HttpServer + IngestHandler + MemoryBus):
// the original generator's payloads accepted; every bad input of the validation suite
// rejected naming its field; the 413/415/404/405/401/503 paths; batches; slow clients cut
// off; 1,000 concurrent keep-alive connections; connections served by every I/O thread;
// generator → ingest → bus with ingest restarted midway and nothing lost.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/bus/memory_bus.hpp"
#include "src/net/http_client.hpp"
#include "src/net/http_server.hpp"
#include "src/services/generate/ingest_sender.hpp"
#include "src/services/ingest/ingest_handler.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
constexpr double now = 1767225600;

struct Ingest {
  explicit Ingest(IngestOptions options = {}, HttpServerOptions server_options = {},
                  MemoryBusOptions bus_options = {}) : bus(bus_options) {
    handler = std::make_unique<IngestHandler>(bus, options, [] { return now; });
    server_options.port = 0;
    server = std::make_unique<HttpServer>(server_options, [this](const HttpRequest& r) { return handler->handle(r); });
    EXPECT_EQ(server->start(), "");
  }
  HttpClient client() { return HttpClient("127.0.0.1", server->port()); }

  MemoryBus bus;
  std::unique_ptr<IngestHandler> handler;
  std::unique_ptr<HttpServer> server;
};

HttpClientResult post(HttpClient& c, std::string_view body, std::string_view type = "application/json",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  return c.request("POST", "/ingest", type, body, headers);
}

std::vector<std::string> drain(Bus& bus, const std::string& topic) {
  auto sub = bus.subscribe({topic}, "test-reader");
  std::vector<std::string> out;
  for (;;) {
    auto batch = sub->poll(10000, 100ms);
    if (batch.empty()) break;
    for (const auto& r : batch) out.emplace_back(r.payload);
    sub->commit();
  }
  return out;
}

TEST(IngestHttp, AcceptsTheOriginalGeneratorsPayloadsAndNumbersThem) {
  Ingest ingest;
  auto c = ingest.client();
  const char* payloads[] = {
      R"({"stock_symbol": "AAPL", "opening_price": 1000.1736217613097, "closing_price": 991.8136217613097, "high": 1003.5536217613097, "low": 988.0236217613097, "volume": 5137, "timestamp": 1735690100.7316313})",
      R"({"data_type": "order_book", "timestamp": 1735690101.12, "stock_symbol": "AAPL", "order_type": "buy", "price": 734.85, "quantity": 87})",
      R"({"data_type": "news_sentiment", "timestamp": 1735690102.5, "stock_symbol": "TSLA", "sentiment_score": -0.91, "sentiment_magnitude": 0.95})",
      R"({"data_type": "market_data", "timestamp": 1735690103.25, "stock_symbol": "AMZN", "market_cap": 851234567890.12, "pe_ratio": 6.2})",
      R"({"data_type": "economic_indicator", "timestamp": 1735690104.0, "indicator_name": "GDP Growth Rate", "value": 4.2})",
  };
  for (const char* p : payloads) {
    auto r = post(c, p);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"accepted":1})");
  }
  auto records = drain(ingest.bus, "validated_data");
  ASSERT_EQ(records.size(), 5u);
  simdjson::dom::parser parser;
  auto first = parser.parse(records[0]);
  EXPECT_EQ(std::string(first["data_type"].get_string().value()), "stock") << "ingest fills in data_type";
  EXPECT_EQ(first["seq"].get_uint64().value(), 1u);
  EXPECT_EQ(first["ingest_ts"].get_double().value(), now);
  auto second = parser.parse(records[1]);
  EXPECT_EQ(second["seq"].get_uint64().value(), 2u) << "AAPL's second record";
  EXPECT_EQ(parser.parse(records[4])["seq"].get_uint64().value(), 1u) << "GDP Growth Rate is its own key";
}

TEST(IngestHttp, RejectsEveryBadInputNamingTheField) {
  Ingest ingest;
  auto c = ingest.client();
  simdjson::dom::parser cases;
  std::ifstream in(TICKFLOW_TEST_DATA_DIR "/validation/bad_records.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    simdjson::dom::element e;
    ASSERT_EQ(cases.parse(line).get(e), simdjson::SUCCESS);
    std::string input(e["input"].get_string().value());
    std::string field(e["field"].get_string().value());
    std::string name(e["name"].get_string().value());
    auto r = post(c, input);
    ASSERT_TRUE(r.ok) << name << ": " << r.error;
    std::size_t start = input.find_first_not_of(" \t\r\n");
    if (start != std::string::npos && input[start] == '[') {
      // An array is a batch: 200, and every element answered on its own.
      EXPECT_EQ(r.status, 200) << name << ": " << r.body;
      EXPECT_NE(r.body.find(R"("accepted":0)"), std::string::npos) << name << ": " << r.body;
      ++n;
      continue;
    }
    EXPECT_EQ(r.status, 400) << name << ": " << r.body;
    if (input.find_first_not_of(" \t\r\n") != std::string::npos && input[input.find_first_not_of(" \t\r\n")] == '{') {
      simdjson::dom::parser answer_parser;
      simdjson::dom::element answer;
      ASSERT_EQ(answer_parser.parse(r.body).get(answer), simdjson::SUCCESS) << name << ": " << r.body;
      bool named = false;
      simdjson::dom::array rejected;
      ASSERT_EQ(answer["rejected"].get_array().get(rejected), simdjson::SUCCESS) << name << ": " << r.body;
      for (simdjson::dom::element rej : rejected) {
        simdjson::dom::array errors;
        ASSERT_EQ(rej["errors"].get_array().get(errors), simdjson::SUCCESS);
        for (simdjson::dom::element err : errors) {
          std::string_view f;
          if (err["field"].get_string().get(f) == simdjson::SUCCESS && f == field) named = true;
        }
      }
      EXPECT_TRUE(named) << name << ": expected field " << field << " in " << r.body;
    }
    ++n;
  }
  EXPECT_GE(n, 40);
  EXPECT_TRUE(drain(ingest.bus, "validated_data").empty()) << "a rejected record reached validated_data";
  EXPECT_GE(drain(ingest.bus, "rejected_data").size(), 30u) << "rejections are published too";
}

TEST(IngestHttp, AnswersEachErrorPathWithItsStatus) {
  HttpServerOptions small;
  small.max_body_bytes = 1024;
  Ingest ingest(IngestOptions{}, small);
  auto c = ingest.client();
  auto too_big = post(c, std::string(2000, ' '));
  EXPECT_EQ(too_big.status, 413) << too_big.body;
  auto c2 = ingest.client();  // 413 closes the connection
  EXPECT_EQ(post(c2, "{}", "text/plain").status, 415);
  EXPECT_EQ(post(c2, "{}", "").status, 415);
  EXPECT_EQ(c2.request("GET", "/nowhere", "", "").status, 404);
  auto wrong_method = c2.request("GET", "/ingest", "", "");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(c2.request("DELETE", "/healthz", "", "").status, 405);
  EXPECT_EQ(post(c2, "   ").status, 400);
  auto not_json = post(c2, "[1, 2,", "application/json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.body.find("not valid JSON"), std::string::npos) << not_json.body;
  EXPECT_EQ(c2.request("GET", "/healthz", "", "").status, 200);
  auto metrics = c2.request("GET", "/metrics", "", "");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("tickflow_ingest_requests_total{status=\"415\"} 2"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("tickflow_ingest_request_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
}

TEST(IngestHttp, BearerTokenIsRequiredWhenSet) {
  HttpServerOptions so;
  so.access.token = "s3cret";
  so.access.open_paths = {"/healthz"};
  Ingest ingest({}, so);
  auto c = ingest.client();
  std::string tick = R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  auto none = post(c, tick);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(post(c, tick, "application/json", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(post(c, tick, "application/json", {{"Authorization", "Bearer s3cre"}}).status, 401);
  EXPECT_EQ(post(c, tick, "application/json", {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(post(c, tick, "application/json", {{"Authorization", "bearer s3cret"}}).status, 200) << "scheme in any case";
  EXPECT_EQ(c.request("GET", "/healthz", "", "").status, 200) << "health needs no token";
  EXPECT_EQ(c.request("GET", "/metrics", "", "").status, 401) << "with a token set, reads need it too";
}

TEST(IngestHttp, ManyBadRecordsGetAnAnswerOfBoundedSize) {
  Ingest ingest;
  auto c = ingest.client();
  // 100 empty objects: 300 bytes, each rejected with several problems.
  std::string small;
  for (int i = 0; i < 100; ++i) small += "{}\n";
  auto r = post(c, small, "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LE(r.body.size(), 16u * 1024 + 2048) << "the described part stays within max(4x the request, 16 KiB)";
  EXPECT_NE(r.body.find("\"rejected_count\":100,"), std::string::npos) << r.body.substr(0, 200);
  EXPECT_NE(r.body.find("\"rejections_not_described\":"), std::string::npos);
  // 5,000: at most 100 described, the rest counted, and one line on rejected_data says so.
  std::string many;
  for (int i = 0; i < 5000; ++i) many += R"({"stock_symbol":"AAPL"})" "\n";
  r = post(c, many, "application/x-ndjson");
  ASSERT_EQ(r.status, 200);
  EXPECT_LE(r.body.size(), 4 * many.size());
  EXPECT_NE(r.body.find("\"rejected_count\":5000,"), std::string::npos) << r.body.substr(0, 200);
  auto rejected = drain(ingest.bus, "rejected_data");
  ASSERT_FALSE(rejected.empty());
  EXPECT_LE(rejected.size(), 202u) << "described ones of both requests, plus one count line each";
  EXPECT_NE(rejected.back().find("more rejected records of this request are counted"), std::string::npos)
      << rejected.back();
}

TEST(IngestHttp, FullBusAnswers503WithRetryAfterAndWhatWasTaken) {
  IngestOptions o;
  o.publish_wait = 0ms;
  Ingest ingest(o, HttpServerOptions{}, MemoryBusOptions{1, 3});
  auto c = ingest.client();
  auto sub = ingest.bus.subscribe({"validated_data"}, "slow-consumer");  // holds records: nobody commits
  std::string batch;
  for (int i = 0; i < 5; ++i) {
    batch += R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
    batch += '\n';
  }
  auto r = post(c, batch, "application/x-ndjson");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.retry_after, "1");
  EXPECT_NE(r.body.find(R"("accepted":3)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("retry_from_index":3)"), std::string::npos) << r.body;
  // After the consumer catches up, the retry of the rest gets seq 4 and 5: no gap, no repeat.
  ASSERT_EQ(sub->poll(10, 0ms).size(), 3u);
  ASSERT_TRUE(sub->commit().ok);
  std::string rest = batch.substr(0, batch.size() / 5 * 2);
  auto retry = post(c, rest, "application/x-ndjson");
  EXPECT_EQ(retry.status, 200) << retry.body;
  auto got = sub->poll(10, 0ms);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(std::string(got[0].payload).find(R"("seq":4)"), std::string::npos) << got[0].payload;
  EXPECT_NE(std::string(got[1].payload).find(R"("seq":5)"), std::string::npos) << got[1].payload;
}

TEST(IngestHttp, BatchesAnswerPerRecord) {
  Ingest ingest;
  auto c = ingest.client();
  std::string good = R"({"stock_symbol":"MSFT","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  std::string bad = R"({"stock_symbol":"MSFT","opening_price":1,"closing_price":2,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  auto array = post(c, "[" + good + "," + bad + ", 7, " + good + "]");
  EXPECT_EQ(array.status, 200) << array.body;
  EXPECT_NE(array.body.find(R"("accepted":2)"), std::string::npos) << array.body;
  EXPECT_NE(array.body.find(R"("index":1,"field":"high")"), std::string::npos) << array.body;
  EXPECT_NE(array.body.find(R"x("index":2,"field":"(record)","reason":"expected a JSON object")x"), std::string::npos) << array.body;
  auto nd = post(c, good + "\n\n" + bad + "\r\n" + good, "application/x-ndjson; charset=utf-8");
  EXPECT_EQ(nd.status, 200);
  EXPECT_NE(nd.body.find(R"("accepted":2)"), std::string::npos) << nd.body;
  EXPECT_NE(nd.body.find(R"("index":2,"field":"high")"), std::string::npos) << "index is the line, blank lines count: " << nd.body;
  EXPECT_EQ(drain(ingest.bus, "validated_data").size(), 4u);
}

TEST(IngestHttp, ARestartedIngestNumbersAboveEverythingItHandedOut) {
  auto path = (std::filesystem::temp_directory_path() / ("tickflow-ingest-seq-" + std::to_string(::getpid()) + ".sqlite")).string();
  std::filesystem::remove(path);
  MemoryBus bus;
  std::string tick = R"({"stock_symbol":"AAPL","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  HttpRequest req;
  req.method = "POST";
  req.target = "/ingest";
  req.content_type = "application/x-ndjson";
  req.body = tick + "\n" + tick + "\n" + tick + "\n";
  IngestOptions o;
  o.state_path = path;
  o.seq_block = 10;
  {
    IngestHandler first(bus, o, [] { return now; });
    ASSERT_EQ(first.handle(req).status, 200);
  }
  IngestHandler second(bus, o, [] { return now; });  // "restarted"
  ASSERT_EQ(second.handle(req).status, 200);
  auto records = drain(bus, "validated_data");
  ASSERT_EQ(records.size(), 6u);
  simdjson::dom::parser parser;
  std::uint64_t previous = 0;
  for (const auto& r : records) {
    std::uint64_t seq = parser.parse(r)["seq"].get_uint64().value();
    EXPECT_GT(seq, previous) << "seq must rise across the restart, or the stages would drop the record";
    previous = seq;
  }
  EXPECT_EQ(previous, 16u) << "1-3 before; the durable ceiling was 3 + 10 = 13; after it: 14, 15, 16";
  std::filesystem::remove(path);
}

TEST(IngestHttp, WebSocketStreamsRecordsWithAnAnswerPerMessage) {
  namespace net = boost::asio;
  namespace websocket = boost::beast::websocket;
  MemoryBus bus;
  IngestHandler handler(bus, IngestOptions{}, [] { return now; });
  WebSocketEndpoint ws;
  ws.on_message = [&](std::string_view m) { return handler.handle_websocket_message(m); };
  HttpServerOptions so;
  so.port = 0;
  so.access.token = "tok";
  HttpServer server(so, [&](const HttpRequest& r) { return handler.handle(r); }, ws);
  ASSERT_EQ(server.start(), "");

  auto connect = [&](bool with_token) {
    net::io_context ioc;
    auto c = std::make_unique<websocket::stream<net::ip::tcp::socket>>(ioc);
    c->next_layer().connect({net::ip::make_address("127.0.0.1"), server.port()});
    if (with_token) {
      c->set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(boost::beast::http::field::authorization, "Bearer tok"); }));
    }
    c->handshake("127.0.0.1", "/ws");
    return c;
  };
  EXPECT_THROW(connect(false), boost::system::system_error) << "the upgrade needs the token";

  net::io_context ioc;
  websocket::stream<net::ip::tcp::socket> c(ioc);
  c.next_layer().connect({net::ip::make_address("127.0.0.1"), server.port()});
  c.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(boost::beast::http::field::authorization, "Bearer tok"); }));
  c.handshake("127.0.0.1", "/ws");
  auto exchange = [&](const std::string& message) {
    c.write(net::buffer(message));
    boost::beast::flat_buffer b;
    c.read(b);
    return boost::beast::buffers_to_string(b.data());
  };
  std::string good = R"({"stock_symbol":"TSLA","opening_price":1,"closing_price":1,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  std::string bad = R"({"stock_symbol":"TSLA","opening_price":1,"closing_price":3,"high":1,"low":1,"volume":1,"timestamp":1735690100})";
  EXPECT_EQ(exchange(good), R"({"status":200,"answer":{"accepted":1}})");
  std::string second = exchange(good + "\n" + good + "\n" + bad);
  EXPECT_NE(second.find(R"("accepted":2)"), std::string::npos) << second;
  EXPECT_NE(second.find(R"("index":2,"field":"high")"), std::string::npos) << second;
  // Each message is NDJSON: a bad line is answered in the batch's rejection list.
  std::string nonsense = exchange("nonsense");
  EXPECT_NE(nonsense.find(R"x("accepted":0,"rejected":[{"index":0,"field":"(record)")x"), std::string::npos) << nonsense;
  c.close(websocket::close_code::normal);
  EXPECT_EQ(drain(bus, "validated_data").size(), 3u);
}

// A raw socket, to behave in ways no well-mannered client does.
int connect_raw(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(IngestHttp, SlowClientIsCutOffAfterTheHeaderTimeout) {
  HttpServerOptions o;
  o.header_timeout = 500ms;
  Ingest ingest(IngestOptions{}, o);
  int fd = connect_raw(ingest.server->port());
  ASSERT_GE(fd, 0);
  std::string request = "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (char ch : request) {  // one byte every 100 ms: the header would take 6 s
    if (::send(fd, &ch, 1, MSG_NOSIGNAL) <= 0) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(100ms);
    char buf;
    timeval tv{0, 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::recv(fd, &buf, 1, MSG_DONTWAIT) == 0) {
      closed = true;
      break;
    }
  }
  auto took = std::chrono::steady_clock::now() - started;
  ::close(fd);
  EXPECT_TRUE(closed) << "the slow client was not cut off";
  EXPECT_LT(took, 2s);
  EXPECT_GE(ingest.server->stats().timed_out, 1u);
}

TEST(IngestHttp, ServesAThousandConcurrentKeepAliveConnections) {
  HttpServerOptions o;
  o.threads = 2;
  Ingest ingest(IngestOptions{}, o);
  constexpr int n = 1000;
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = connect_raw(ingest.server->port());
    ASSERT_GE(fd, 0) << "connection " << i;
    fds.push_back(fd);
  }
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto round = [&](int which) {
    for (int fd : fds) ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    int ok = 0;
    for (int fd : fds) {
      std::string got;
      char buf[1024];
      timeval tv{10, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      while (got.find("{\"status\":\"ok\"}") == std::string::npos) {
        ssize_t k = ::recv(fd, buf, sizeof buf, 0);
        if (k <= 0) break;
        got.append(buf, static_cast<std::size_t>(k));
      }
      if (got.rfind("HTTP/1.1 200", 0) == 0 && got.find("{\"status\":\"ok\"}") != std::string::npos) ++ok;
    }
    EXPECT_EQ(ok, n) << "round " << which;
  };
  round(1);
  round(2);  // the same connections again: kept alive
  EXPECT_EQ(ingest.server->stats().open_connections, n);
  for (int fd : fds) ::close(fd);
}

TEST(IngestHttp, EveryIoThreadServesTheConnectionsItIsGiven) {
  // Connections go to the I/O threads in turn. These come after every thread has started
  // and found nothing to do: a thread whose run() had returned then would leave the
  // connections given to it unanswered (the first version of one io_context per thread did).
  HttpServerOptions o;
  o.threads = 3;
  Ingest ingest(IngestOptions{}, o);
  std::this_thread::sleep_for(200ms);
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<HttpClient>("127.0.0.1", ingest.server->port(), 2s));
    auto r = clients.back()->request("GET", "/healthz", "", "");
    EXPECT_EQ(r.status, 200) << "connection " << i << ": " << r.error;
  }
  for (int i = 0; i < 6; ++i) {  // and again on the same connections, kept alive
    auto r = clients[static_cast<std::size_t>(i)]->request("GET", "/healthz", "", "");
    EXPECT_EQ(r.status, 200) << "connection " << i << ", second request: " << r.error;
  }
  EXPECT_EQ(ingest.server->stats().connections_accepted, 6u);
}

TEST(IngestHttp, GeneratorToBusLosesNothingAcrossAnIngestRestart) {
  MemoryBus bus;
  std::atomic<std::uint64_t> handled{0};
  IngestHandler handler(bus, IngestOptions{});
  auto serve = [&](std::uint16_t port) {
    HttpServerOptions o;
    o.port = port;
    auto s = std::make_unique<HttpServer>(o, [&](const HttpRequest& r) {
      ++handled;
      return handler.handle(r);
    });
    EXPECT_EQ(s->start(), "");
    return s;
  };
  auto server = serve(0);
  std::uint16_t port = server->port();

  SenderOptions so;
  so.url = "http://127.0.0.1:" + std::to_string(port) + "/ingest";
  so.rate = 4000;
  so.count = 12000;
  so.max_backoff = 200ms;
  so.progress_every = 60s;
  std::atomic<bool> stop{false};
  SenderReport report;
  std::thread sender([&] { report = send_to_ingest(so, SimulatorConfig{}, stop); });
  while (handler.totals().accepted < 4000) std::this_thread::sleep_for(10ms);
  server->stop();  // ingest goes away mid-stream...
  server.reset();
  std::this_thread::sleep_for(700ms);
  server = serve(port);  // ...and comes back on the same port
  sender.join();

  EXPECT_EQ(report.generated, 12000u);
  EXPECT_EQ(report.accepted, 12000u) << "rejected " << report.rejected << ", unsent " << report.unsent;
  EXPECT_EQ(report.unsent, 0u);
  EXPECT_GT(report.retries, 0u) << "the restart should have cost at least one retry";
  auto records = drain(bus, "validated_data");
  EXPECT_EQ(records.size(), 12000u);
  std::set<std::string> distinct(records.begin(), records.end());
  EXPECT_EQ(distinct.size(), records.size()) << "duplicates on the bus";
  // seq per key runs 1..n without a gap.
  simdjson::dom::parser parser;
  std::map<std::string, std::uint64_t> last;
  for (const auto& r : records) {
    auto doc = parser.parse(r);
    std::string key = doc["data_type"].get_string().value() == "economic_indicator"
                          ? std::string(doc["indicator_name"].get_string().value())
                          : std::string(doc["stock_symbol"].get_string().value());
    std::uint64_t seq = doc["seq"].get_uint64().value();
    EXPECT_EQ(seq, last[key] + 1) << key;
    last[key] = seq;
  }
}

}  // namespace
}  // namespace tickflow
