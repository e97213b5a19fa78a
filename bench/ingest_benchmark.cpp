// Ingest throughput measured with wrk against one ingest server (THREADS I/O threads,
// MemoryBus drained by a consumer thread), same tool and settings for every figure:
//   healthz   GET /healthz: the HTTP overhead alone (baseline)
//   single    POST /ingest with one record per request, keep-alive
//   ndjson    POST /ingest with 1,000-record NDJSON bodies
// Usage: ingest_benchmark [SECONDS [THREADS]]. Prints one JSON object.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "src/bus/memory_bus.hpp"
#include "src/net/http_server.hpp"
#include "src/services/ingest/ingest_handler.hpp"

namespace {

using namespace std::chrono_literals;

std::string tick(int i) {
  return fmt::format(R"({{"stock_symbol":"SYM{}","opening_price":100.5,"closing_price":101.25,"high":102,"low":99.75,"volume":5000,"timestamp":1735689600.5}})",
                     i % 50);
}

// Runs wrk and returns its Requests/sec.
double wrk(const std::string& url, const std::string& script, int seconds) {
  std::string cmd = fmt::format("wrk -t1 -c32 -d{}s {} {} 2>&1", seconds, script.empty() ? "" : "-s " + script, url);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) return std::stod(m[1]);
  std::fprintf(stderr, "wrk said:\n%s\n", out.c_str());
  return 0;
}

std::string lua_post(const std::string& path, const std::string& type, const std::string& body) {
  std::string escaped;
  for (char c : body) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  std::ofstream(path) << "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"" << type << "\"\nwrk.body = \"" << escaped
                      << "\"\n";
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 5;
  int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  tickflow::MemoryBus bus;
  tickflow::IngestOptions options;
  options.publish_wait = 1000ms;
  tickflow::IngestHandler handler(bus, options);
  tickflow::HttpServerOptions so;
  so.port = 0;
  so.threads = threads;
  tickflow::HttpServer server(so, [&](const tickflow::HttpRequest& r) { return handler.handle(r); });
  if (auto e = server.start(); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    auto sub = bus.subscribe({"validated_data"}, "bench");
    while (!stop) {
      sub->poll(20000, 50ms);
      sub->commit();
    }
  });
  std::string base = fmt::format("http://127.0.0.1:{}", server.port());
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += tick(i) + "\n";
  double healthz = wrk(base + "/healthz", "", seconds);
  auto before = handler.totals().accepted;
  double single = wrk(base + "/ingest", lua_post("/tmp/tickflow-bench-single.lua", "application/json", tick(1)), seconds);
  auto single_records = handler.totals().accepted - before;
  before = handler.totals().accepted;
  double ndjson = wrk(base + "/ingest", lua_post("/tmp/tickflow-bench-ndjson.lua", "application/x-ndjson", batch), seconds);
  auto ndjson_records = handler.totals().accepted - before;
  stop = true;
  drain.join();
  server.stop();
  fmt::print("{{\"threads\":{},\"healthz_rps\":{:.0f},\"single_rps\":{:.0f},\"single_ratio\":{:.3f},\"ndjson_requests_per_s\":{:.0f},"
             "\"ndjson_records_per_s\":{:.0f},\"records_accepted\":{}}}\n",
             threads, healthz, single, healthz > 0 ? single / healthz : 0, ndjson, ndjson * 1000, single_records + ndjson_records);
  return 0;
}
