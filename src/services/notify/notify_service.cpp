#include "src/services/notify/notify_service.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "src/services/common/output_topics.hpp"
#include "src/core/alarm_parser.hpp"
#include "src/core/json_writer.hpp"
#include "src/core/unix_clock.hpp"
#include "src/log/named_logger.hpp"
#include "src/services/common/crash_point.hpp"
#include "src/services/common/stage.hpp"
#include "src/services/notify/burst_window.hpp"

namespace tickflow {

namespace {

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

NotifyService::NotifyService(Bus& bus, AlarmOutbox& outbox, std::vector<std::unique_ptr<Channel>> channels,
                             NotifyOptions options)
    : bus_(bus), outbox_(outbox), channels_(std::move(channels)), options_(std::move(options)) {}

// Said before the disk is full, while something can still be done about it: a full disk
// pauses delivery (a send is recorded as "sending" before it is made) until room is back.
void NotifyService::warn_if_disk_low() {
  auto space = outbox_.space();
  if (space.disk_size_bytes == 0) return;
  const double free_share = static_cast<double>(space.disk_free_bytes) / static_cast<double>(space.disk_size_bytes);
  if (free_share >= 0.2) return;
  named_logger("notify")->warn("the outbox's disk is {:.0f}% full ({} bytes free, the outbox holds {} bytes); "
                               "when it is full, delivery pauses until there is room",
                               100 * (1 - free_share), space.disk_free_bytes, space.used_bytes);
}

void NotifyService::run(std::stop_token stop) {
  auto log = named_logger("notify");
  std::vector<std::jthread> senders;
  for (auto& channel : channels_) {
    senders.emplace_back([this, &channel](std::stop_token s) { send_loop(*channel, s); });
  }
  ensure_output_topics(bus_, {options_.notifications_topic, options_.rejected_topic}, "notify");
  auto sub = bus_.subscribe({options_.in_topic}, options_.group);
  double next_prune = 0, next_space_check = 0;
  while (!stop.stop_requested()) {
    if (double now = unix_now(); now >= next_space_check) {
      warn_if_disk_low();
      next_space_check = now + 10;
    }
    if (double now = unix_now(); now >= next_prune) {
      // Alarms sent longer ago than keep_days are forgotten; a replay of those would be new.
      if (std::size_t n = outbox_.prune(now - options_.keep_days * 86400)) {
        log->info("forgot {} alarm(s) sent more than {} days ago", n, options_.keep_days);
      }
      next_prune = now + 3600;
    }
    auto batch = sub->poll(1000, std::chrono::milliseconds(200));
    if (batch.empty()) continue;
    if (!intake_batch(batch, stop)) break;  // stopping with the batch not in the outbox: not committed
    if (auto s = sub->commit(); !s.ok) log->warn("commit: {}", s.message);
    {
      std::lock_guard lock(wake_mutex_);
      ++wake_generation_;
    }
    wake_.notify_all();
  }
  sub->close();
  // Before the senders stop, let them send what is due now (briefly: a channel that is
  // down would hold the stop). Whatever is left stays in the outbox for the next start.
  const auto deadline = std::chrono::steady_clock::now() + options_.drain;
  auto anything_due = [&] {
    StoreStatus status;
    for (auto& channel : channels_) {
      if (!outbox_.due(channel->name(), unix_now(), 1, status).empty()) return true;
    }
    return false;
  };
  while (std::chrono::steady_clock::now() < deadline && anything_due()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& s : senders) s.request_stop();
  wake_.notify_all();
}

bool NotifyService::intake_batch(std::span<const BusRecord> batch, std::stop_token stop) {
  auto log = named_logger("notify");
  std::vector<Alarm> alarms(batch.size());
  std::vector<OutboxAlarm> rows;
  std::vector<StageOutput> rejections;
  ValidationErrors errors;
  rows.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (parse_alarm(batch[i].payload, alarms[i], errors)) {
      rows.push_back({alarms[i].alarm_id, batch[i].payload});
    } else {
      log->warn("not an alarm at {}[{}]@{}: {} {}", batch[i].topic, batch[i].partition, batch[i].offset,
                errors.front().field, errors.front().reason);
      reject_unparseable(batch[i], errors, &options_.rejected_topic, rejections);
    }
  }
  counters_.received.fetch_add(rows.size());
  for (const auto& r : rejections) {
    if (auto s = bus_.publish(*r.topic, r.key, r.payload, std::chrono::seconds(5)); s != PublishStatus::ok) {
      log->error("a rejection could not go to {} ({}); it is in this log: {}", *r.topic, to_string(s), r.payload);
    }
  }
  counters_.rejected.fetch_add(rejections.size());

  // The offset is committed only once the alarms are durable: keep trying, say why.
  double wait = 0.5;
  for (;;) {
    auto added = outbox_.add(rows, unix_now());
    if (added.status.ok) {
      {
        std::lock_guard lock(problem_mutex_);
        problem_.clear();
      }
      counters_.duplicates.fetch_add(added.duplicates);
      if (added.duplicates) log->info("{} alarm(s) already in the outbox (redelivered): ignored", added.duplicates);
      return true;
    }
    counters_.outbox_failures.fetch_add(1);
    {
      std::lock_guard lock(problem_mutex_);
      problem_ = added.status.message;
    }
    log->error("{}; {} alarm(s) kept, offset NOT committed; trying again in {:.1f} s", added.status.message, rows.size(),
               wait);
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
    while (std::chrono::steady_clock::now() < until) {
      if (stop.stop_requested()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    wait = std::min(wait * 2, 10.0);
  }
}

std::string NotifyService::problem() const {
  std::lock_guard lock(problem_mutex_);
  return problem_;
}

void NotifyService::wait_for_work(std::stop_token stop, double until) {
  std::unique_lock lock(wake_mutex_);
  const std::uint64_t seen = wake_generation_;
  double seconds = std::clamp(until - unix_now(), 0.0, 1.0);
  wake_.wait_for(lock, stop, std::chrono::duration<double>(seconds), [&] { return wake_generation_ != seen; });
}

void NotifyService::send_loop(Channel& channel, std::stop_token stop) {
  auto log = named_logger("notify");
  const std::string name(channel.name());
  BurstWindow window(options_.digest_per_minute);
  double next_digest_at = 0;
  double paused_until = 0;  // after a transient failure the channel rests before the next try
  int consecutive_failures = 0;
  while (!stop.stop_requested()) {
    double now = unix_now();
    if (now < paused_until) {
      wait_for_work(stop, paused_until);
      continue;
    }
    StoreStatus status;
    auto items = outbox_.due(name, now, options_.max_digest, status);
    if (!status.ok) {
      log->error("{}: {}", name, status.message);
      wait_for_work(stop, now + 1);
      continue;
    }
    if (items.empty()) {
      auto next = outbox_.next_due(name);
      wait_for_work(stop, next ? *next : now + 1);
      continue;
    }
    bool failing = false;
    std::size_t budget = window.budget(now);
    if (items.size() <= budget) {
      for (std::size_t i = 0; i < items.size() && !stop.stop_requested(); ++i) {
        failing = deliver(channel, std::span<const OutboxItem>(items).subspan(i, 1));
        window.sent(unix_now());
        if (failing) break;  // rest, then retry
      }
    } else if (now >= next_digest_at) {
      log->info("{}: {} alarms due, more than {} mails a minute: sending one digest", name, items.size(),
                options_.digest_per_minute);
      failing = deliver(channel, items);
      window.sent(unix_now());
      next_digest_at = unix_now() + options_.digest_interval_seconds;
    } else {
      wait_for_work(stop, next_digest_at);
      continue;
    }
    // A transient failure pauses the whole channel (a down server fails every alarm alike).
    if (failing) {
      ++consecutive_failures;
      RetryPolicy pause = options_.retry;
      pause.max_attempts = 1 << 30;
      paused_until = unix_now() + retry_delay(pause, consecutive_failures, false, jitter()).value_or(1);
    } else {
      consecutive_failures = 0;
    }
  }
}

bool NotifyService::deliver(Channel& channel, std::span<const OutboxItem> items) {
  auto log = named_logger("notify");
  const std::string_view name = channel.name();
  std::vector<Alarm> alarms;
  std::vector<OutboxItem> sendable;
  std::vector<OutboxFailure> unreadable;
  ValidationErrors errors;
  std::size_t maybe_sent = 0;
  for (const auto& item : items) {
    Alarm a;
    if (!parse_alarm(item.payload, a, errors)) {
      unreadable.push_back({item.alarm_id, std::nullopt});
      continue;
    }
    maybe_sent += item.maybe_sent;
    alarms.push_back(std::move(a));
    sendable.push_back(item);
  }
  if (!unreadable.empty()) {
    outbox_.mark_failed(name, unreadable, "the stored alarm no longer parses", unix_now());
    counters_.dead.fetch_add(unreadable.size());
  }
  if (sendable.empty()) return false;
  if (maybe_sent) {
    log->warn("{}: sending {} alarm(s) again that were being sent when the notifier stopped; a receiver may see them "
              "twice, with the same Message-ID",
              name, maybe_sent);
    counters_.resent.fetch_add(maybe_sent);
  }
  if (auto s = outbox_.mark_sending(name, sendable, unix_now()); !s.ok) {
    log->error("{}: {}; not sending now", name, s.message);
    return true;
  }
  crash_point("notify.before_send");
  SendResult result = channel.send(alarms);
  crash_point("notify.after_send");
  const double now = unix_now();

  if (result.outcome == SendResult::Outcome::sent) {
    if (auto s = outbox_.mark_sent(name, sendable, now); !s.ok) {
      // Sent but not marked: after a restart these go again (same Message-ID).
      log->error("{}: sent, but {}", name, s.message);
    }
    counters_.delivered.fetch_add(sendable.size());
    counters_.messages.fetch_add(1);
    if (alarms.size() > 1) counters_.digests.fetch_add(1);
    if (alarms.size() == 1) log->info("{}: sent {} ({})", name, alarms[0].alarm_id, result.detail);
    else log->info("{}: sent a digest of {} alarms ({})", name, alarms.size(), result.detail);
    publish_events(name, alarms, "sent", sendable.front().attempts + 1, result.detail);
    return false;
  }

  const bool permanent = result.outcome == SendResult::Outcome::permanent;
  std::vector<OutboxFailure> failures;
  std::vector<Alarm> retrying, dead;
  int attempts = 0;
  for (std::size_t i = 0; i < sendable.size(); ++i) {
    attempts = sendable[i].attempts + 1;
    auto delay = retry_delay(options_.retry, attempts, permanent, jitter());
    failures.push_back({sendable[i].alarm_id, delay ? std::optional<double>(now + *delay) : std::nullopt});
    (delay ? retrying : dead).push_back(alarms[i]);
  }
  if (auto s = outbox_.mark_failed(name, failures, result.detail, now); !s.ok) log->error("{}: {}", name, s.message);
  counters_.retries.fetch_add(retrying.size());
  counters_.dead.fetch_add(dead.size());
  if (!retrying.empty()) {
    log->warn("{}: {} alarm(s) not sent, will retry (attempt {}): {}", name, retrying.size(), attempts, result.detail);
    publish_events(name, retrying, "retrying", attempts, result.detail);
  }
  if (!dead.empty()) {
    log->error("{}: {} alarm(s) DEAD-LETTERED after {} attempt(s): {}. See `tickflow notify --list-failed`, then "
               "`--retry-failed`",
               name, dead.size(), attempts, result.detail);
    publish_events(name, dead, "dead", attempts, result.detail);
  }
  return !permanent;
}

void NotifyService::publish_events(std::string_view channel, std::span<const Alarm> alarms, std::string_view status,
                                   int attempts, std::string_view detail) {
  const double now = unix_now();
  std::string payload;
  for (const auto& a : alarms) {
    payload.clear();
    payload += "{\"type\":\"notification\"";
    json::append_string_field(payload, "alarm_id", a.alarm_id);
    json::append_string_field(payload, "stock_symbol", a.stock_symbol);
    json::append_string_field(payload, "signal", to_string(a.signal));
    json::append_string_field(payload, "channel", channel);
    json::append_string_field(payload, "status", status);
    json::append_number_field(payload, "attempts", static_cast<double>(attempts));
    payload += ",\"detail\":";
    json::append_string_lossy(payload, detail, 300);
    json::append_number_field(payload, "timestamp", now);
    payload += '}';
    // Informational: the outbox is the record of truth, so a full bus does not hold a send.
    bus_.publish(options_.notifications_topic, a.stock_symbol, payload, std::chrono::milliseconds(100));
  }
}

}  // namespace tickflow
