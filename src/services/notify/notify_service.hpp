// `notify`: alarm_topic → a durable outbox → every configured channel, so that no alarm
// is lost and none is sent twice (docs/notify.md).
//
// The intake (on run()'s thread) parses each alarm, writes the batch to the outbox in one
// transaction and only then commits the bus offset; when the write fails (disk full, data
// dir gone) it keeps the batch, says why, and tries again without committing. Duplicates
// are dropped by alarm_id. One sender thread per channel works through the outbox: retries
// with backoff and jitter, dead-lettering after too many failures, and digests when more
// than `digest_per_minute` mails would go out in a minute. Each outcome is published on
// the notifications topic for the dashboard.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "src/bus/bus.hpp"
#include "src/services/notify/channel.hpp"
#include "src/services/notify/retry_policy.hpp"
#include "src/store/alarm_outbox.hpp"

namespace tickflow {

struct NotifyOptions {
  std::string in_topic = "alarm_topic";
  std::string notifications_topic = "notifications";
  std::string rejected_topic = "rejected_data";
  std::string group = "notify";
  RetryPolicy retry;
  std::size_t digest_per_minute = 20;  // mails per channel per minute before digests; 0: never digest
  double digest_interval_seconds = 60; // during a burst, one digest at most this often
  std::size_t max_digest = 500;        // alarms in one digest at most
  double keep_days = 30;               // sent alarms are remembered (for dedupe) this long
  std::chrono::milliseconds drain{5000};  // on stop, how long senders may finish what is due
};

struct NotifyCounters {
  std::atomic<std::uint64_t> received{0};      // alarms consumed
  std::atomic<std::uint64_t> duplicates{0};    // already in the outbox
  std::atomic<std::uint64_t> rejected{0};      // not an alarm (to the rejected topic)
  std::atomic<std::uint64_t> outbox_failures{0};
  std::atomic<std::uint64_t> delivered{0};     // alarm deliveries sent (over all channels)
  std::atomic<std::uint64_t> messages{0};      // mails/posts sent (a digest is one)
  std::atomic<std::uint64_t> digests{0};
  std::atomic<std::uint64_t> retries{0};       // failed attempts that will be retried
  std::atomic<std::uint64_t> dead{0};          // deliveries dead-lettered
  std::atomic<std::uint64_t> resent{0};        // sent again after a crash during a send
};

class NotifyService {
 public:
  NotifyService(Bus& bus, AlarmOutbox& outbox, std::vector<std::unique_ptr<Channel>> channels, NotifyOptions options);
  // The intake on this thread and one sender per channel, until `stop`.
  void run(std::stop_token stop);
  const NotifyCounters& counters() const noexcept { return counters_; }
  // Empty while alarms are being written to the outbox; else why the last write failed.
  std::string problem() const;

 private:
  void warn_if_disk_low();
  bool intake_batch(std::span<const BusRecord> batch, std::stop_token stop);
  void send_loop(Channel& channel, std::stop_token stop);
  // Sends `items` as one message; true when it failed for now (the channel should rest).
  bool deliver(Channel& channel, std::span<const OutboxItem> items);
  void publish_events(std::string_view channel, std::span<const Alarm> alarms, std::string_view status, int attempts,
                      std::string_view detail);
  void wait_for_work(std::stop_token stop, double until);

  Bus& bus_;
  AlarmOutbox& outbox_;
  std::vector<std::unique_ptr<Channel>> channels_;
  NotifyOptions options_;
  NotifyCounters counters_;
  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::uint64_t wake_generation_ = 0;
  mutable std::mutex problem_mutex_;
  std::string problem_;
};

}  // namespace tickflow
