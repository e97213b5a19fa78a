#include "src/services/generate/ingest_sender.hpp"
#include "src/core/unix_clock.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/core/record_writer.hpp"
#include "src/net/http_client.hpp"
#include "src/services/generate/market_simulator.hpp"

namespace tickflow {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;


void pin_to(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    fmt::print(stderr, "generate: cannot pin to cpu {}; running unpinned\n", cpu);
  }
}

// Sleeps up to `d`, waking early when `stop` is set.
void nap(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  auto until = Clock::now() + d;
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::min<Clock::duration>(50ms, until - Clock::now()));
}

// What ingest said about one request.
struct Answer {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::optional<std::uint64_t> retry_from_index;
};

Answer read_answer(const std::string& body) {
  Answer a;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return a;
  std::uint64_t n = 0;
  if (!doc["accepted"].get_uint64().get(n)) a.accepted = n;
  simdjson::dom::array rejected;
  if (!doc["rejected"].get_array().get(rejected)) a.rejected = rejected.size();
  if (!doc["retry_from_index"].get_uint64().get(n)) a.retry_from_index = n;
  return a;
}

// Shared state of the sending threads.
class Run {
 public:
  Run(const SenderOptions& o, const SimulatorConfig& config, std::atomic<bool>& stop, HttpUrl url)
      : options_(o), url_(std::move(url)), stop_(stop),
        sim_(o.symbols.empty() ? default_symbols : o.symbols, o.seed, config), started_(Clock::now()) {}

  // Makes up to `n` records (fewer when the count limit is reached), as JSON lines.
  std::vector<std::string> make(std::size_t n, bool ticks, bool others) {
    std::lock_guard lock(mu_);
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < n; ++i) {
      if (options_.count > 0 && report_.generated >= options_.count) break;
      double now = unix_now();
      const Record& r = ticks && others ? sim_.next_at(now) : ticks ? sim_.next_tick_at(now) : sim_.next_other_at(now);
      std::string& line = lines.emplace_back();
      write_record(r, line);
      ++report_.generated;
    }
    return lines;
  }

  // Delivers `lines` (one JSON object, or NDJSON when several), retrying until ingest has
  // taken or rejected every one, or the run stops.
  void deliver(HttpClient& client, const std::vector<std::string>& lines) {
    std::size_t from = 0;
    auto backoff = 100ms;
    std::mt19937 jitter(static_cast<unsigned>(options_.seed));
    std::vector<std::pair<std::string, std::string>> headers;
    if (!options_.token.empty()) headers.emplace_back("Authorization", "Bearer " + options_.token);
    while (from < lines.size() && !stop_ && !out_of_time()) {
      std::string body;
      bool single = lines.size() - from == 1;
      for (std::size_t i = from; i < lines.size(); ++i) {
        body += lines[i];
        if (!single) body += '\n';
      }
      auto r = client.request("POST", url_.target, single ? "application/json" : "application/x-ndjson", body, headers);
      count([&](SenderReport& rep) { ++rep.requests; });
      if (r.ok && (r.status == 200 || r.status == 400)) {
        Answer a = read_answer(r.body);
        count([&](SenderReport& rep) {
          rep.accepted += a.accepted;
          rep.rejected += a.rejected;
        });
        return;
      }
      if (r.ok && r.status == 503) {
        // Ingest took a prefix; the rest is resent after Retry-After.
        Answer a = read_answer(r.body);
        count([&](SenderReport& rep) {
          rep.accepted += a.accepted;
          rep.rejected += a.rejected;
          ++rep.retries;
        });
        from += a.retry_from_index.value_or(0);
        int seconds = r.retry_after.empty() ? 1 : std::max(0, std::atoi(r.retry_after.c_str()));
        nap(std::chrono::milliseconds(seconds * 1000), stop_);
        continue;
      }
      if (r.ok) {  // 401, 413, 415, ...: resending the same thing cannot help
        count([&](SenderReport& rep) {
          if (rep.fatal.empty()) rep.fatal = fmt::format("ingest answered {}: {}", r.status, r.body.substr(0, 300));
        });
        stop_ = true;
        break;
      }
      // No answer: ingest is down or restarting. Back off and try again.
      count([&](SenderReport& rep) { ++rep.retries; });
      auto wait = backoff + std::chrono::milliseconds(jitter() % (backoff.count() / 2 + 1));
      nap(std::chrono::duration_cast<std::chrono::milliseconds>(wait), stop_);
      backoff = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(backoff * 2), options_.max_backoff);
    }
    count([&](SenderReport& rep) { rep.unsent += lines.size() - from; });
  }

  bool out_of_time() const {
    return options_.duration_seconds > 0 &&
           std::chrono::duration<double>(Clock::now() - started_).count() >= options_.duration_seconds;
  }

  bool finished() {
    std::lock_guard lock(mu_);
    if (stop_ || out_of_time()) return true;
    return options_.count > 0 && report_.generated >= options_.count;
  }

  void progress() {
    SenderReport r = snapshot();
    double secs = std::chrono::duration<double>(Clock::now() - started_).count();
    fmt::print(stderr, "generate: {} sent, {} accepted, {} rejected, {:.0f} records/s, {} retries\n", r.generated,
               r.accepted, r.rejected, secs > 0 ? static_cast<double>(r.accepted + r.rejected) / secs : 0.0, r.retries);
  }

  SenderReport snapshot() {
    std::lock_guard lock(mu_);
    SenderReport r = report_;
    r.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    return r;
  }

  const SenderOptions& options() const { return options_; }
  const HttpUrl& url() const { return url_; }
  std::atomic<bool>& stop() { return stop_; }

 private:
  template <typename F>
  void count(F&& f) {
    std::lock_guard lock(mu_);
    f(report_);
  }

  const SenderOptions& options_;
  HttpUrl url_;
  std::atomic<bool>& stop_;
  std::mutex mu_;
  MarketSimulator sim_;
  SenderReport report_;
  Clock::time_point started_;
};

// The original pacing: one record, then a random 1–5 s pause.
void paced_loop(Run& run, bool ticks) {
  pin_to(run.options().cpu);
  HttpClient client(run.url().host, run.url().port);
  std::mt19937_64 rng(run.options().seed + (ticks ? 0 : 1));
  std::uniform_int_distribution<int> pause_ms(1000, 5000);
  while (!run.finished()) {
    auto lines = run.make(1, ticks, !ticks);
    if (lines.empty()) break;
    run.deliver(client, lines);
    nap(std::chrono::milliseconds(pause_ms(rng)), run.stop());
  }
}

// A fixed rate: every 20 ms (or sooner when a batch is full), the records now due, as
// one NDJSON request.
void rate_loop(Run& run) {
  pin_to(run.options().cpu);
  HttpClient client(run.url().host, run.url().port);
  constexpr std::size_t max_batch = 5000;
  auto start = Clock::now();
  auto next_tick = start;
  std::uint64_t made = 0;
  while (!run.finished()) {
    double due = run.options().rate * std::chrono::duration<double>(Clock::now() - start).count();
    auto n = static_cast<std::size_t>(std::min<double>(max_batch, std::max(0.0, due - static_cast<double>(made))));
    if (n == 0 || (n < max_batch && Clock::now() < next_tick)) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    next_tick = Clock::now() + 20ms;
    auto lines = run.make(n, true, true);
    if (lines.empty()) break;
    made += lines.size();
    run.deliver(client, lines);
  }
}

}  // namespace

SenderReport send_to_ingest(const SenderOptions& options, const SimulatorConfig& config, std::atomic<bool>& stop) {
  auto url = parse_http_url(options.url);
  if (!url) {
    SenderReport r;
    r.fatal = fmt::format("--url '{}' is not http://host:port/path", options.url);
    return r;
  }
  Run run(options, config, stop, *url);
  std::vector<std::thread> threads;
  if (options.rate > 0) {
    threads.emplace_back(rate_loop, std::ref(run));
  } else {
    threads.emplace_back(paced_loop, std::ref(run), true);   // ticks
    threads.emplace_back(paced_loop, std::ref(run), false);  // order book, news, market data, macro
  }
  auto last = Clock::now();
  std::atomic<bool> all_done{false};
  std::thread reporter([&] {
    while (!all_done) {
      std::this_thread::sleep_for(100ms);
      if (Clock::now() - last >= options.progress_every) {
        last = Clock::now();
        run.progress();
      }
    }
  });
  for (auto& t : threads) t.join();
  all_done = true;
  reporter.join();
  return run.snapshot();
}

}  // namespace tickflow
