// `tickflow notify` as its own process over the real Kafka broker (fixture `kafka`),
// killed with SIGKILL at the two moments that matter, then started again on the same data
// dir: every one of 1,000 alarms reaches the real SMTP server; a duplicate happens only
// when the kill fell between the send and marking it sent, and then it carries the same
// Message-ID. Also the dead-letter tools as a user runs them.
#include <csignal>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "src/bus/kafka_bus.hpp"
#include "src/services/notify/alarm_mail.hpp"
#include "tests/common/notify_sinks.hpp"

namespace tickflow {
namespace {

using namespace std::chrono_literals;
using namespace tickflow::testing;

struct KillRun {
  std::string id = std::to_string(std::random_device{}());
  std::string topic = "kill-alarms-" + id;
  std::string group = "notify-kill-" + id;
  std::filesystem::path dir = fresh_dir("notify-kill");
  std::string brokers = std::getenv("TICKFLOW_KAFKA_BROKERS") ? std::getenv("TICKFLOW_KAFKA_BROKERS") : "127.0.0.1:9092";
  std::uint16_t port = free_port();

  ~KillRun() { std::filesystem::remove_all(dir); }

  std::vector<std::string> notify_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {std::getenv("TICKFLOW"), "notify", "--bus.kind", "kafka", "--kafka.brokers",
                                     brokers, "--topics.alarms", topic, "--group", group, "--data-dir",
                                     dir.string(), "--notify.channels", "smtp", "--notify.smtp_url",
                                     fmt::format("smtp://127.0.0.1:{}", port), "--notify.digest_per_minute", "0",
                                     "--notify.retry_initial_ms", "200", "--notify.retry_max_ms", "2000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  void publish(const std::vector<Alarm>& alarms) const {
    KafkaBusOptions o;
    o.brokers = brokers;
    KafkaBus bus(o);
    ASSERT_TRUE(bus.ensure_topics({topic}).ok);
    std::string json;
    for (const auto& a : alarms) {
      json.clear();
      write_alarm(a, json);
      ASSERT_EQ(bus.publish(topic, a.stock_symbol, json, 5s), PublishStatus::ok);
    }
    ASSERT_EQ(bus.flush(30s), 0u);
  }
};

std::map<std::string, int> count_by_message_id(const std::vector<Received>& received) {
  std::map<std::string, int> count;
  for (const auto& r : received) count[r.message_id]++;
  return count;
}

void kill_and_restart(const std::string& crash_at, int sent_before_kill, int expected_duplicates) {
  ASSERT_NE(std::getenv("TICKFLOW"), nullptr) << "TICKFLOW must point at the tickflow binary";
  KillRun run;
  auto alarms = make_alarms(1000, "kill-");
  run.publish(alarms);
  Sink sink(sink_script("smtp_sink.py"), run.port, (run.dir / "smtp.jsonl").string());
  ASSERT_TRUE(sink.ready());

  {
    ChildProcess crashing(run.notify_args(), {"TICKFLOW_CRASH_AT=" + crash_at});
    ASSERT_TRUE(crashing.started());
    auto status = crashing.wait_for(120s);
    ASSERT_TRUE(status.has_value()) << "the notifier did not reach " << crash_at;
    ASSERT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "status " << *status;
  }
  const auto at_kill = sink.received().size();
  EXPECT_EQ(at_kill, static_cast<std::size_t>(sent_before_kill));

  ChildProcess restarted(run.notify_args());
  ASSERT_TRUE(restarted.started());
  ASSERT_TRUE(wait_until([&] { return count_by_message_id(sink.received()).size() >= 1000; }, 180s))
      << count_by_message_id(sink.received()).size() << " of 1000 distinct alarms arrived";
  std::this_thread::sleep_for(1s);
  int status = restarted.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  auto received = sink.received();
  auto count = count_by_message_id(received);
  std::set<std::string> expected;
  for (const auto& a : alarms) expected.insert(alarm_message_id(a.alarm_id));
  int duplicates = 0, missing = 0;
  for (const auto& id : expected) {
    auto it = count.find(id);
    if (it == count.end()) ++missing;
    else duplicates += it->second - 1;
  }
  EXPECT_EQ(count.size(), 1000u) << "nothing but the 1,000 alarms";
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicates, expected_duplicates);
  EXPECT_EQ(received.size(), 1000u + static_cast<std::size_t>(expected_duplicates));
  fmt::print("{}: {} sent before the kill, {} mails in all, {} distinct alarms, {} duplicate(s), {} missing\n", crash_at,
             at_kill, received.size(), count.size(), duplicates, missing);
}

TEST(NotifyKill, BetweenOutboxWriteAndSendEveryAlarmArrivesOnce) {
  // The 300th send never starts: 299 went out, the rest after the restart, none twice.
  kill_and_restart("notify.before_send:300", 299, 0);
}

TEST(NotifyKill, BetweenSendAndMarkSentOnlyThatAlarmComesTwiceWithTheSameMessageId) {
  // The 300th mail went out but was not marked sent: it is the one duplicate.
  kill_and_restart("notify.after_send:300", 300, 1);
}

TEST(NotifyKill, DeadLettersAreListedAndRetriedFromTheCommandLine) {
  ASSERT_NE(std::getenv("TICKFLOW"), nullptr);
  KillRun run;
  auto alarms = make_alarms(5, "dead-");
  run.publish(alarms);
  {
    Sink refusing(sink_script("smtp_sink.py"), run.port, (run.dir / "refused.jsonl").string(),
                  {"--fail-code", "550", "--fail-count", "-1"});
    ASSERT_TRUE(refusing.ready());
    const std::string ops = fmt::format("127.0.0.1:{}", free_port());
    ChildProcess notify(run.notify_args({"--notify.listen", ops}));
    ASSERT_TRUE(wait_until([&] { return refusing.received().empty() && run_and_capture(
        {std::getenv("TICKFLOW"), "notify", "--list-failed", "--data-dir", run.dir.string(), "--group", run.group})
        .find("5 failed deliveries") != std::string::npos; }, 60s));
    // The dead letters show in the metrics too.
    std::string metrics = run_and_capture({"/usr/bin/curl", "-s", "http://" + ops + "/metrics"});
    EXPECT_NE(metrics.find("tickflow_notify_deliveries{channel=\"smtp\",state=\"dead\"} 5"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("tickflow_notify_attempts_total{result=\"dead\"} 5"), std::string::npos);
    EXPECT_NE(run_and_capture({"/usr/bin/curl", "-s", "http://" + ops + "/healthz"}).find("\"status\":\"ok\""),
              std::string::npos);
    EXPECT_EQ(notify.stop(), 0);
  }
  std::string listed = run_and_capture(
      {std::getenv("TICKFLOW"), "notify", "--list-failed", "--data-dir", run.dir.string(), "--group", run.group});
  EXPECT_NE(listed.find("dead-S1:1:indicators"), std::string::npos) << listed;
  EXPECT_NE(listed.find("550"), std::string::npos) << listed;
  EXPECT_NE(listed.find("--retry-failed"), std::string::npos) << "says what to do next";

  std::string retried = run_and_capture({std::getenv("TICKFLOW"), "notify", "--retry-failed", "smtp", "--data-dir",
                                         run.dir.string(), "--group", run.group});
  EXPECT_NE(retried.find("5 failed deliveries on smtp queued again"), std::string::npos) << retried;

  Sink sink(sink_script("smtp_sink.py"), run.port, (run.dir / "smtp.jsonl").string());
  ASSERT_TRUE(sink.ready());
  ChildProcess notify(run.notify_args());
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 5; }, 60s));
  EXPECT_EQ(notify.stop(), 0);
  EXPECT_EQ(count_by_message_id(sink.received()).size(), 5u);
  EXPECT_NE(run_and_capture({std::getenv("TICKFLOW"), "notify", "--list-failed", "--data-dir", run.dir.string(),
                             "--group", run.group})
                .find("no failed deliveries"),
            std::string::npos);
}

}  // namespace
}  // namespace tickflow
