// The notifier's durable outbox (SQLite, WAL, synchronous=FULL): every alarm received,
// keyed by alarm_id so a redelivered or replayed alarm is recognised and ignored, and per
// channel its delivery: pending → sending → sent, or back to pending with a retry time,
// or dead after too many failures (visible, and retryable by hand).
//
// "sending" is written before a send is attempted. Finding it at start-up means the
// process died during a send: the alarm is sent again (at-least-once), and that resend is
// the only way a duplicate can happen; it carries the same Message-ID.
// Thread-safe: the intake and one sender per channel share one outbox.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/store/sqlite_db.hpp"
#include "src/store/state_store.hpp"

namespace tickflow {

struct OutboxAlarm {
  std::string_view alarm_id;
  std::string_view payload;  // the alarm's JSON as received
};

struct OutboxItem {
  std::string alarm_id;
  std::string payload;
  int attempts = 0;         // failed attempts so far
  bool maybe_sent = false;  // found in "sending": a crash may have come after the send
};

struct OutboxFailure {
  std::string_view alarm_id;
  std::optional<double> retry_at;  // nothing: dead-letter it
};

struct DeadDelivery {
  std::string alarm_id;
  std::string channel;
  int attempts = 0;
  std::string last_error;
  double updated_at = 0;
  std::string payload;
};

struct OutboxCount {
  std::string channel;
  std::string state;  // pending | sending | sent | dead
  std::uint64_t count = 0;
};

class AlarmOutbox {
 public:
  // Opens or creates the outbox; new alarms get a delivery on each of `channels`.
  // Throws std::runtime_error at start-up when the file cannot be opened or written.
  AlarmOutbox(const std::string& path, std::vector<std::string> channels);

  struct Added {
    StoreStatus status;
    std::size_t added = 0;
    std::size_t duplicates = 0;
  };
  // All of `alarms` in one transaction, durable when it returns ok; nothing on failure.
  Added add(std::span<const OutboxAlarm> alarms, double now);

  // Deliveries of `channel` due at `now`, oldest first: pending ones whose retry time has
  // come, and any left in "sending".
  std::vector<OutboxItem> due(std::string_view channel, double now, std::size_t limit, StoreStatus& status);
  // When the next pending delivery of `channel` falls due, if any.
  std::optional<double> next_due(std::string_view channel);

  StoreStatus mark_sending(std::string_view channel, std::span<const OutboxItem> items, double now);
  StoreStatus mark_sent(std::string_view channel, std::span<const OutboxItem> items, double now);
  // Counts one more failed attempt for each, with `error` as the last error.
  StoreStatus mark_failed(std::string_view channel, std::span<const OutboxFailure> failures, std::string_view error,
                          double now);

  std::vector<DeadDelivery> dead(std::size_t limit);
  // Dead deliveries (of `channel`, or all when empty) back to pending, due now. Returns how many.
  std::size_t retry_dead(std::string_view channel, double now);

  std::vector<OutboxCount> counts();
  // Forgets alarms whose deliveries were all sent before `before` (the dedupe window).
  std::size_t prune(double before);

  const std::string& path() const noexcept { return db_.path(); }

 private:
  StoreStatus set_state(std::string_view channel, std::span<const OutboxItem> items, std::string_view state,
                        double now);

  std::mutex mutex_;
  SqliteDb db_;
  std::vector<std::string> channels_;
  SqliteStatement insert_alarm_;
  SqliteStatement insert_delivery_;
  SqliteStatement due_;
  SqliteStatement next_due_;
  SqliteStatement set_state_;
  SqliteStatement fail_;
};

}  // namespace tickflow
