// The `tickflow process` tests over the real broker: a stream of validated ticks for many
// symbols (seq per symbol, as ingest numbers them) with the indicator values an
// uninterrupted single processor computes for each, a feeder that publishes it at a steady
// rate, and an audit of the output topic against those values.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "src/bus/bus.hpp"
#include "src/core/record_writer.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/services/generate/market_simulator.hpp"

namespace tickflow::testing {

class ProcessStream {
 public:
  struct Expected {
    std::optional<double> ma, ema, rsi;
  };

  ProcessStream(int total, int symbols, std::uint64_t seed) : total_(total) {
    std::vector<std::string> names;
    for (int i = 0; i < symbols; ++i) names.push_back(fmt::format("S{:02}", i));
    MarketSimulator sim(names, seed, SimulatorConfig{});
    std::map<std::string, std::uint64_t> seq;
    std::map<std::string, IndicatorSet> indicators;
    for (int i = 0; i < total; ++i) {
      const Record& r = sim.next_tick_at(1767225600.0 + i * 0.01);
      std::string symbol(r.symbol.view());
      std::uint64_t s = ++seq[symbol];
      auto it = indicators.try_emplace(symbol, IndicatorPeriods{}).first;
      auto v = it->second.update(std::get<StockTick>(r.body).closing_price);
      expected_[{symbol, s}] = {v.ma, v.ema, v.rsi};
      std::string line;
      write_record(r, line);
      line.pop_back();
      line += fmt::format(",\"seq\":{},\"ingest_ts\":1767225600}}", s);
      input_.emplace_back(symbol, std::move(line));
    }
  }
  ~ProcessStream() {
    if (feeder_.joinable()) feeder_.join();
  }

  int total() const { return total_; }
  int published() const { return published_.load(); }

  // Publishes the stream to `topic`, one tick every `gap`, on its own thread.
  void feed(Bus& bus, const std::string& topic, std::chrono::microseconds gap) {
    feeder_ = std::thread([this, &bus, topic, gap] {
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < total_; ++i) {
        while (std::chrono::steady_clock::now() < start + gap * i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto& [key, payload] = input_[static_cast<std::size_t>(i)];
        if (bus.publish(topic, key, payload, std::chrono::seconds(30)) != PublishStatus::ok) {
          ADD_FAILURE() << "publish failed at " << i;
          return;
        }
        published_ = i + 1;
      }
      bus.flush(std::chrono::seconds(60));
    });
  }
  void join_feeder() {
    if (feeder_.joinable()) feeder_.join();
  }

  // Reads what `reader` has (waiting up to `wait` for the first record) and checks every
  // output record against the uninterrupted run.
  void audit(Subscription& reader, std::chrono::milliseconds wait) {
    for (const auto& r : reader.poll(5000, wait)) {
      ++records_out_;
      simdjson::dom::element doc;
      ASSERT_EQ(parser_.parse(r.payload).get(doc), simdjson::SUCCESS);
      std::string_view symbol;
      std::uint64_t s = 0;
      ASSERT_EQ(doc["stock_symbol"].get_string().get(symbol), simdjson::SUCCESS);
      ASSERT_EQ(doc["seq"].get_uint64().get(s), simdjson::SUCCESS);
      auto key = std::make_pair(std::string(symbol), s);
      const Expected& want = expected_.at(key);
      Expected got{number(doc, "ma"), number(doc, "ema"), number(doc, "rsi")};
      if (got.ma != want.ma || got.ema != want.ema || got.rsi != want.rsi) {
        if (++mismatches_ <= 5) ADD_FAILURE() << symbol << " seq " << s << " differs from the uninterrupted run: " << r.payload;
      }
      ++seen_[key];
    }
    reader.commit();
  }

  // Audits until every tick has been seen or `timeout` passes.
  void audit_until_complete(Subscription& reader, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen_.size() < static_cast<std::size_t>(total_) && std::chrono::steady_clock::now() < deadline) {
      audit(reader, std::chrono::milliseconds(200));
    }
  }

  std::size_t distinct_seen() const { return seen_.size(); }
  std::size_t records_out() const { return records_out_; }
  std::size_t mismatches() const { return mismatches_; }

 private:
  static std::optional<double> number(simdjson::dom::element doc, const char* key) {
    double v = 0;
    if (doc[key].get_double().get(v) == simdjson::SUCCESS) return v;
    return std::nullopt;
  }

  int total_;
  std::vector<std::pair<std::string, std::string>> input_;  // key, record
  std::map<std::pair<std::string, std::uint64_t>, Expected> expected_;
  std::map<std::pair<std::string, std::uint64_t>, int> seen_;
  std::size_t records_out_ = 0, mismatches_ = 0;
  std::atomic<int> published_{0};
  std::thread feeder_;
  simdjson::dom::parser parser_;
};

}  // namespace tickflow::testing
