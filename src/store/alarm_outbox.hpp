// The notifier's durable outbox (SQLite, WAL, synchronous=FULL): every alarm received,
// keyed by alarm_id so a redelivered or replayed alarm is recognised and ignored, and per
// channel its delivery: pending → sending → sent, or back to pending with a retry time,
// or dead after too many failures (visible, and retryable by hand).
//
// "sending" is written before a send is attempted. Finding it at start-up means the
// process died during a send: the alarm is sent again (at-least-once), and that resend is
// the only way a duplicate can happen; it carries the same Message-ID.
//
// What it keeps is bounded by what is in flight, not by how many alarms there were: an
// alarm whose id is the signal stage's `<key>:<seq>:<rule>` is forgotten entirely once
// every channel has sent it; a redelivered copy (an upstream stage that re-emits after a
// restart, a replay) is still recognised, by a mark per (key, rule) holding the highest
// seq seen, since a stage emits each key's alarms in seq order. Alarms with other ids keep
// their id (not their body) until `prune`.
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
  // Forgets the ids of alarms without a seq mark whose deliveries were all sent before
  // `before` (their dedupe window).
  std::size_t prune(double before);

  // Bytes of the outbox file in use (free pages excluded) and the free bytes on its disk.
  struct Space {
    std::uint64_t used_bytes = 0;
    std::uint64_t disk_free_bytes = 0;
    std::uint64_t disk_size_bytes = 0;
  };
  Space space();

  const std::string& path() const noexcept { return db_.path(); }

 private:
  StoreStatus set_state(std::string_view channel, std::span<const OutboxItem> items, std::string_view state,
                        double now);
  // Whether `alarm_id` repeats one seen before; false when it is new (and then marked).
  // Nothing when it has no seq mark (the alarms table decides).
  std::optional<bool> seen_before(std::string_view alarm_id, bool& failed);

  std::mutex mutex_;
  SqliteDb db_;
  std::vector<std::string> channels_;
  SqliteStatement insert_alarm_;
  SqliteStatement insert_delivery_;
  SqliteStatement due_;
  SqliteStatement next_due_;
  SqliteStatement set_state_;
  SqliteStatement fail_;
  SqliteStatement select_mark_;
  SqliteStatement upsert_mark_;
  SqliteStatement forget_sent_;
  SqliteStatement empty_sent_;
};

}  // namespace tickflow
