// The notifier end to end in one process: alarms on the in-memory bus, the real SQLite
// outbox, and real receivers on loopback (aiosmtpd for SMTP, a Python HTTP server for the
// webhook). Every alarm arrives exactly once, through server outages, 4xx and 5xx answers,
// bursts and a full disk.
#include <sys/resource.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "src/bus/memory_bus.hpp"
#include "src/core/unix_clock.hpp"
#include "src/services/notify/alarm_mail.hpp"
#include "src/services/notify/notify_service.hpp"
#include "src/services/notify/smtp_channel.hpp"
#include "src/services/notify/webhook_channel.hpp"
#include "tests/common/notify_sinks.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
using namespace tickflow::testing;

// One notifier on its own thread over `bus`, with an outbox in `dir`.
class Notifier {
 public:
  Notifier(Bus& bus, const std::filesystem::path& dir, std::unique_ptr<Channel> channel, NotifyOptions options)
      : outbox_((dir / "outbox.sqlite").string(), {std::string(channel->name())}) {
    std::vector<std::unique_ptr<Channel>> channels;
    channels.push_back(std::move(channel));
    service_ = std::make_unique<NotifyService>(bus, outbox_, std::move(channels), std::move(options));
    thread_ = std::jthread([this](std::stop_token t) { service_->run(t); });
  }
  ~Notifier() { stop(); }
  void stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
  }
  const NotifyCounters& counters() const { return service_->counters(); }
  AlarmOutbox& outbox() { return outbox_; }

 private:
  AlarmOutbox outbox_;
  std::unique_ptr<NotifyService> service_;
  std::jthread thread_;
};

NotifyOptions fast_options() {
  NotifyOptions o;
  o.retry.initial_seconds = 0.2;
  o.retry.max_seconds = 2;
  o.retry.max_attempts = 1000;
  o.digest_per_minute = 0;
  return o;
}

std::unique_ptr<Channel> smtp_to(std::uint16_t port) {
  SmtpSettings s;
  s.url = fmt::format("smtp://127.0.0.1:{}", port);
  s.timeout_ms = 5000;
  return std::make_unique<SmtpChannel>(s);
}

std::unique_ptr<Channel> webhook_to(std::uint16_t port, std::string secret = {}) {
  WebhookSettings w;
  w.url = fmt::format("http://127.0.0.1:{}/hook", port);
  w.secret = std::move(secret);
  return std::make_unique<WebhookChannel>(w);
}

void publish(Bus& bus, const std::vector<Alarm>& alarms, const std::string& topic = "alarm_topic") {
  std::string json;
  for (const auto& a : alarms) {
    json.clear();
    write_alarm(a, json);
    ASSERT_EQ(bus.publish(topic, a.stock_symbol, json, 5s), PublishStatus::ok);
  }
}

// alarm_id → how many times it arrived, singles by Message-ID, digests by their listed ids.
std::map<std::string, int> arrivals(const std::vector<Received>& received, const std::vector<Alarm>& alarms) {
  std::map<std::string, std::string> by_message_id;
  for (const auto& a : alarms) by_message_id[alarm_message_id(a.alarm_id)] = a.alarm_id;
  std::map<std::string, int> count;
  for (const auto& r : received) {
    if (r.status >= 300) continue;
    if (r.alarms <= 1) {
      auto it = by_message_id.find(r.message_id);
      count[it == by_message_id.end() ? "unknown " + r.message_id : it->second]++;
      continue;
    }
    std::size_t found = 0;
    std::istringstream lines(r.text);
    for (std::string line; std::getline(lines, line);) {
      // A digest line ends in "[alarm id]".
      while (!line.empty() && line.back() == '\r') line.pop_back();
      auto open = line.rfind('[');
      if (open != std::string::npos && !line.empty() && line.back() == ']') {
        count[line.substr(open + 1, line.size() - open - 2)]++;
        found++;
      }
    }
    EXPECT_EQ(found, r.alarms) << "a digest lists every alarm it says it carries";
  }
  return count;
}

void expect_each_exactly_once(const std::map<std::string, int>& count, const std::vector<Alarm>& alarms) {
  EXPECT_EQ(count.size(), alarms.size());
  int duplicated = 0, missing = 0;
  for (const auto& a : alarms) {
    auto it = count.find(a.alarm_id);
    if (it == count.end()) ++missing;
    else if (it->second != 1) ++duplicated;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
}

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_dir("notify"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string out(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
  MemoryBus bus_;
};

TEST_F(NotifyTest, ThousandAlarmsArriveExactlyOnceOverSmtp) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  Notifier notifier(bus_, dir_, smtp_to(port), fast_options());
  auto alarms = make_alarms(1000, "");
  publish(bus_, alarms);
  // A replay of the first 200: recognised by alarm_id, not sent again.
  publish(bus_, std::vector<Alarm>(alarms.begin(), alarms.begin() + 200));
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 1000; }, 180s)) << sink.received().size();
  ASSERT_TRUE(wait_until([&] { return notifier.counters().duplicates.load() == 200; }, 10s));
  std::this_thread::sleep_for(1s);  // anything extra would arrive now
  auto received = sink.received();
  EXPECT_EQ(received.size(), 1000u);
  std::set<std::string> ids;
  for (const auto& r : received) ids.insert(r.message_id);
  EXPECT_EQ(ids.size(), 1000u) << "distinct Message-IDs";
  expect_each_exactly_once(arrivals(received, alarms), alarms);
  EXPECT_EQ(notifier.counters().delivered.load(), 1000u);
}

TEST_F(NotifyTest, SmtpDownForThirtySecondsThenBackDeliversAllOnce) {
  auto port = free_port();
  Notifier notifier(bus_, dir_, smtp_to(port), fast_options());
  auto alarms = make_alarms(200, "down-");
  publish(bus_, alarms);
  std::this_thread::sleep_for(30s);  // no server on the port all this time
  EXPECT_EQ(notifier.counters().delivered.load(), 0u);
  EXPECT_GT(notifier.counters().retries.load(), 0u);
  EXPECT_EQ(notifier.counters().dead.load(), 0u);
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 200; }, 60s)) << sink.received().size();
  std::this_thread::sleep_for(1s);
  expect_each_exactly_once(arrivals(sink.received(), alarms), alarms);
}

TEST_F(NotifyTest, Smtp4xxIsRetriedUntilAccepted) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"), {"--fail-code", "451", "--fail-count", "20"});
  ASSERT_TRUE(sink.ready());
  auto options = fast_options();
  options.retry.max_seconds = 0.4;  // twenty refusals in a row: keep the channel's rests short
  Notifier notifier(bus_, dir_, smtp_to(port), options);
  auto alarms = make_alarms(50, "busy-");
  publish(bus_, alarms);
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 50; }, 90s)) << sink.received().size();
  std::this_thread::sleep_for(500ms);
  expect_each_exactly_once(arrivals(sink.received(), alarms), alarms);
  EXPECT_EQ(notifier.counters().retries.load(), 20u);
  EXPECT_EQ(notifier.counters().dead.load(), 0u);
}

TEST_F(NotifyTest, Smtp5xxIsDeadLetteredThenRetriedByHand) {
  auto port = free_port();
  auto alarms = make_alarms(10, "refused-");
  auto notifier = std::make_unique<Notifier>(bus_, dir_, smtp_to(port), fast_options());
  {
    Sink refusing(sink_script("smtp_sink.py"), port, out("refused.jsonl"), {"--fail-code", "550", "--fail-count", "-1"});
    ASSERT_TRUE(refusing.ready());
    publish(bus_, alarms);
    ASSERT_TRUE(wait_until([&] { return notifier->counters().dead.load() == 10; }, 30s)) << notifier->counters().dead.load();
  }
  auto dead = notifier->outbox().dead(100);
  ASSERT_EQ(dead.size(), 10u);
  EXPECT_EQ(dead[0].attempts, 1);  // 5xx is permanent: not retried by itself
  EXPECT_NE(dead[0].last_error.find("550"), std::string::npos) << dead[0].last_error;

  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(sink.received().empty()) << "dead letters wait for a person";
  EXPECT_EQ(notifier->outbox().retry_dead("smtp", unix_now()), 10u);  // what --retry-failed does
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 10; }, 30s));
  expect_each_exactly_once(arrivals(sink.received(), alarms), alarms);
}

TEST_F(NotifyTest, PermanentRefusalsAreRetriedWhenConfiguredSo) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"), {"--fail-code", "554", "--fail-count", "-1"});
  ASSERT_TRUE(sink.ready());
  auto options = fast_options();
  options.retry.dead_letter_permanent = false;
  options.retry.max_attempts = 3;
  options.retry.initial_seconds = 0.05;
  Notifier notifier(bus_, dir_, smtp_to(port), options);
  publish(bus_, make_alarms(4, "stubborn-"));
  ASSERT_TRUE(wait_until([&] { return notifier.counters().dead.load() == 4; }, 60s));
  for (const auto& d : notifier.outbox().dead(10)) EXPECT_EQ(d.attempts, 3);
}

TEST_F(NotifyTest, BurstsGoOutAsDigestsListingEveryAlarmOnce) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  auto options = fast_options();
  options.digest_per_minute = 5;
  options.digest_interval_seconds = 1;
  Notifier notifier(bus_, dir_, smtp_to(port), options);
  auto alarms = make_alarms(300, "burst-");
  publish(bus_, alarms);
  ASSERT_TRUE(wait_until([&] { return notifier.counters().delivered.load() >= 300; }, 60s));
  std::this_thread::sleep_for(500ms);
  auto received = sink.received();
  EXPECT_LE(received.size(), 30u) << "a burst of 300 became a few digests, not 300 mails";
  EXPECT_GE(notifier.counters().digests.load(), 1u);
  expect_each_exactly_once(arrivals(received, alarms), alarms);
}

TEST_F(NotifyTest, WebhookIsSignedAndRetriedThroughServerErrors) {
  auto port = free_port();
  Sink hook(sink_script("webhook_sink.py"), port, out("hook.jsonl"),
            {"--secret", "s3cret", "--fail-status", "503", "--fail-count", "3"});
  ASSERT_TRUE(hook.ready());
  Notifier notifier(bus_, dir_, webhook_to(port, "s3cret"), fast_options());
  auto alarms = make_alarms(20, "hook-");
  publish(bus_, alarms);
  ASSERT_TRUE(wait_until([&] { return notifier.counters().delivered.load() >= 20; }, 60s));
  auto received = hook.received();
  ASSERT_EQ(received.size(), 23u);  // three refused with 503, then each once
  for (const auto& r : received) {
    EXPECT_TRUE(r.signature_ok) << "HMAC checked by the receiver with Python's hmac";
    EXPECT_NE(r.text.find("\"alarms\":[{\"alarm_id\""), std::string::npos) << r.text;
  }
  std::map<std::string, int> delivered;
  for (const auto& r : received) {
    if (r.status == 200) delivered[r.message_id]++;
  }
  EXPECT_EQ(delivered.size(), 20u);
  for (const auto& a : alarms) EXPECT_EQ(delivered[alarm_message_id(a.alarm_id)], 1) << a.alarm_id;
}

TEST_F(NotifyTest, WebhookWithAWrongSecretIsRefusedByTheReceiversCheck) {
  auto port = free_port();
  Sink hook(sink_script("webhook_sink.py"), port, out("hook.jsonl"), {"--secret", "expected"});
  ASSERT_TRUE(hook.ready());
  Notifier notifier(bus_, dir_, webhook_to(port, "something else"), fast_options());
  publish(bus_, make_alarms(1, "forged-"));
  ASSERT_TRUE(wait_until([&] { return hook.received().size() == 1; }, 30s));
  EXPECT_FALSE(hook.received()[0].signature_ok);
}

TEST_F(NotifyTest, Webhook4xxIsDeadLettered) {
  auto port = free_port();
  Sink hook(sink_script("webhook_sink.py"), port, out("hook.jsonl"), {"--fail-status", "400", "--fail-count", "-1"});
  ASSERT_TRUE(hook.ready());
  Notifier notifier(bus_, dir_, webhook_to(port), fast_options());
  publish(bus_, make_alarms(3, "bad-"));
  ASSERT_TRUE(wait_until([&] { return notifier.counters().dead.load() == 3; }, 30s));
  EXPECT_NE(notifier.outbox().dead(10)[0].last_error.find("HTTP 400"), std::string::npos);
}

TEST_F(NotifyTest, NotAlarmsGoToTheRejectedTopicAndNothingElseStops) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  auto rejected = bus_.subscribe({"rejected_data"}, "test");
  Notifier notifier(bus_, dir_, smtp_to(port), fast_options());
  ASSERT_EQ(bus_.publish("alarm_topic", "X", "not json"), PublishStatus::ok);
  ASSERT_EQ(bus_.publish("alarm_topic", "X", "{\"alarm_id\":\"X:1:y\",\"signal\":\"hold\"}"), PublishStatus::ok);
  auto alarms = make_alarms(5, "fine-");
  publish(bus_, alarms);
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 5; }, 30s));
  EXPECT_EQ(notifier.counters().rejected.load(), 2u);
  std::vector<std::string> reasons;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& r : rejected->poll(10, 100ms)) reasons.emplace_back(r.payload);
    return reasons.size() == 2;
  }, 10s));
  EXPECT_NE(reasons[0].find("not valid JSON"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("\"field\":\"stock_symbol\""), std::string::npos) << reasons[1];
  expect_each_exactly_once(arrivals(sink.received(), alarms), alarms);
}

// The outbox cannot be written (the file-size limit stands in for a full disk): the
// notifier says so, keeps the batch, commits nothing, and delivers it all once it can.
TEST_F(NotifyTest, AFullDiskKeepsTheOffsetUncommittedUntilTheOutboxCanBeWritten) {
  auto port = free_port();
  Sink sink(sink_script("smtp_sink.py"), port, out("smtp.jsonl"));
  ASSERT_TRUE(sink.ready());
  Notifier notifier(bus_, dir_, smtp_to(port), fast_options());
  auto first = make_alarms(5, "before-");
  publish(bus_, first);
  ASSERT_TRUE(wait_until([&] { return notifier.counters().delivered.load() == 5; }, 30s));
  const auto committed_before = bus_.counters().committed;

  std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead of killing us
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &original), 0);
  rlimit full = original;
  full.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &full), 0);
  auto during = make_alarms(20, "during-");
  publish(bus_, during);
  bool failed = wait_until([&] { return notifier.counters().outbox_failures.load() >= 2; }, 30s);
  const auto committed_during = bus_.counters().committed;
  const auto delivered_during = notifier.counters().delivered.load();
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &original), 0);
  ASSERT_TRUE(failed) << "the outbox write should have failed";
  EXPECT_EQ(committed_during, committed_before) << "no offset committed while the alarms were not durable";
  EXPECT_EQ(delivered_during, 5u);

  ASSERT_TRUE(wait_until([&] { return notifier.counters().delivered.load() == 25; }, 60s));
  EXPECT_GT(bus_.counters().committed, committed_before);
  std::vector<Alarm> all = first;
  all.insert(all.end(), during.begin(), during.end());
  std::this_thread::sleep_for(500ms);
  expect_each_exactly_once(arrivals(sink.received(), all), all);
}

}  // namespace
}  // namespace tickflow
