#include "src/store/alarm_outbox.hpp"

#include <sys/statvfs.h>

#include <charconv>
#include <filesystem>

#include <fmt/format.h>

namespace tickflow {

namespace {

SqliteDb& init_schema(SqliteDb& db) {
  db.exec_or_throw(
      "CREATE TABLE IF NOT EXISTS alarms("
      " alarm_id TEXT PRIMARY KEY, payload TEXT NOT NULL, received_at REAL NOT NULL)");
  db.exec_or_throw(
      "CREATE TABLE IF NOT EXISTS deliveries("
      " alarm_id TEXT NOT NULL REFERENCES alarms(alarm_id) ON DELETE CASCADE, channel TEXT NOT NULL,"
      " state TEXT NOT NULL CHECK(state IN ('pending','sending','sent','dead')),"
      " attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, last_error TEXT, updated_at REAL NOT NULL,"
      " PRIMARY KEY(alarm_id, channel))");
  db.exec_or_throw("CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(channel, state, next_at)");
  db.exec_or_throw(
      "CREATE TABLE IF NOT EXISTS marks(key TEXT NOT NULL, rule TEXT NOT NULL, seq INTEGER NOT NULL,"
      " PRIMARY KEY(key, rule)) WITHOUT ROWID");
  return db;
}

struct AlarmMark {
  std::string_view key;
  std::int64_t seq = 0;
  std::string_view rule;
};

// `<key>:<seq>:<rule>` as the signal stage writes alarm ids (a key may itself hold ':').
std::optional<AlarmMark> parse_mark(std::string_view id) {
  auto last = id.rfind(':');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  auto middle = id.rfind(':', last - 1);
  if (middle == std::string_view::npos || middle == 0 || last == id.size() - 1) return std::nullopt;
  AlarmMark m{id.substr(0, middle), 0, id.substr(last + 1)};
  auto digits = id.substr(middle + 1, last - middle - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), m.seq);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || m.seq < 0) return std::nullopt;
  return m;
}

}  // namespace

AlarmOutbox::AlarmOutbox(const std::string& path, std::vector<std::string> channels)
    : db_(path, "the alarm outbox", SqliteDb::Sync::full),
      channels_(std::move(channels)),
      insert_alarm_(init_schema(db_).prepare("INSERT OR IGNORE INTO alarms(alarm_id, payload, received_at) VALUES(?1, ?2, ?3)")),
      insert_delivery_(db_.prepare(
          "INSERT OR IGNORE INTO deliveries(alarm_id, channel, state, attempts, next_at, updated_at)"
          " VALUES(?1, ?2, 'pending', 0, ?3, ?3)")),
      due_(db_.prepare(
          "SELECT d.alarm_id, a.payload, d.attempts, d.state = 'sending' FROM deliveries d"
          " JOIN alarms a ON a.alarm_id = d.alarm_id"
          " WHERE d.channel = ?1 AND ((d.state = 'pending' AND d.next_at <= ?2) OR d.state = 'sending')"
          " ORDER BY d.rowid LIMIT ?3")),
      next_due_(db_.prepare("SELECT MIN(next_at) FROM deliveries WHERE channel = ?1 AND state IN ('pending','sending')")),
      set_state_(db_.prepare(
          "UPDATE deliveries SET state = ?3, updated_at = ?4 WHERE alarm_id = ?1 AND channel = ?2")),
      fail_(db_.prepare(
          "UPDATE deliveries SET attempts = attempts + 1, last_error = ?3, updated_at = ?4,"
          " state = CASE WHEN ?5 IS NULL THEN 'dead' ELSE 'pending' END, next_at = COALESCE(?5, next_at)"
          " WHERE alarm_id = ?1 AND channel = ?2")),
      select_mark_(db_.prepare("SELECT seq FROM marks WHERE key = ?1 AND rule = ?2")),
      upsert_mark_(db_.prepare(
          "INSERT INTO marks(key, rule, seq) VALUES(?1, ?2, ?3)"
          " ON CONFLICT(key, rule) DO UPDATE SET seq = MAX(seq, excluded.seq)")),
      forget_sent_(db_.prepare(
          "DELETE FROM alarms WHERE alarm_id = ?1 AND"
          " NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alarm_id = ?1 AND d.state <> 'sent')")),
      empty_sent_(db_.prepare(
          "UPDATE alarms SET payload = '' WHERE alarm_id = ?1 AND"
          " NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alarm_id = ?1 AND d.state <> 'sent')")) {
  db_.exec_or_throw("PRAGMA foreign_keys=ON");
}

std::optional<bool> AlarmOutbox::seen_before(std::string_view alarm_id, bool& failed) {
  auto mark = parse_mark(alarm_id);
  if (!mark) return std::nullopt;
  select_mark_.reset().bind(1, mark->key).bind(2, mark->rule);
  std::optional<std::int64_t> highest;
  if (select_mark_.step()) highest = select_mark_.integer(0);
  failed |= !select_mark_.ok();
  select_mark_.reset();
  if (highest && mark->seq <= *highest) return true;
  failed |= !upsert_mark_.reset().bind(1, mark->key).bind(2, mark->rule).bind(3, mark->seq).run();
  return false;
}

AlarmOutbox::Added AlarmOutbox::add(std::span<const OutboxAlarm> alarms, double now) {
  std::lock_guard lock(mutex_);
  Added result;
  if (alarms.empty()) return result;
  SqliteTransaction tx(db_);
  if (!tx.begun()) return {{false, db_.error("cannot write to the outbox")}, 0, 0};
  for (const auto& a : alarms) {
    bool failed = false;
    std::optional<bool> repeat = seen_before(a.alarm_id, failed);
    if (failed) return {{false, db_.error("cannot write to the outbox")}, 0, 0};
    if (repeat.value_or(false)) {
      ++result.duplicates;
      continue;
    }
    if (!insert_alarm_.reset().bind(1, a.alarm_id).bind(2, a.payload).bind(3, now).run()) {
      return {{false, db_.error("cannot write to the outbox")}, 0, 0};
    }
    if (insert_alarm_.changes() == 0) {
      ++result.duplicates;
      continue;
    }
    ++result.added;
    for (const auto& channel : channels_) {
      if (!insert_delivery_.reset().bind(1, a.alarm_id).bind(2, channel).bind(3, now).run()) {
        return {{false, db_.error("cannot write to the outbox")}, 0, 0};
      }
    }
  }
  if (!tx.commit()) return {{false, db_.error("cannot commit to the outbox")}, 0, 0};
  return result;
}

std::vector<OutboxItem> AlarmOutbox::due(std::string_view channel, double now, std::size_t limit, StoreStatus& status) {
  std::lock_guard lock(mutex_);
  std::vector<OutboxItem> items;
  due_.reset().bind(1, channel).bind(2, now).bind(3, static_cast<std::int64_t>(limit));
  while (due_.step()) {
    items.push_back({std::string(due_.text(0)), std::string(due_.text(1)), static_cast<int>(due_.integer(2)),
                     due_.integer(3) != 0});
  }
  status = due_.ok() ? StoreStatus{} : StoreStatus{false, db_.error("cannot read the outbox")};
  due_.reset();  // ends the read transaction
  return items;
}

std::optional<double> AlarmOutbox::next_due(std::string_view channel) {
  std::lock_guard lock(mutex_);
  std::optional<double> at;
  next_due_.reset().bind(1, channel);
  if (next_due_.step() && !next_due_.is_null(0)) at = next_due_.real(0);
  next_due_.reset();
  return at;
}

StoreStatus AlarmOutbox::set_state(std::string_view channel, std::span<const OutboxItem> items, std::string_view state,
                                   double now) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  if (!tx.begun()) return {false, db_.error("cannot update the outbox")};
  for (const auto& item : items) {
    if (!set_state_.reset().bind(1, item.alarm_id).bind(2, channel).bind(3, state).bind(4, now).run()) {
      return {false, db_.error("cannot update the outbox")};
    }
  }
  if (!tx.commit()) return {false, db_.error("cannot commit to the outbox")};
  return {};
}

StoreStatus AlarmOutbox::mark_sending(std::string_view channel, std::span<const OutboxItem> items, double now) {
  return set_state(channel, items, "sending", now);
}

StoreStatus AlarmOutbox::mark_sent(std::string_view channel, std::span<const OutboxItem> items, double now) {
  if (auto s = set_state(channel, items, "sent", now); !s.ok) return s;
  // Sent on every channel: what stays is the seq mark, or the id alone.
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  if (!tx.begun()) return {false, db_.error("cannot update the outbox")};
  for (const auto& item : items) {
    auto& forget = parse_mark(item.alarm_id) ? forget_sent_ : empty_sent_;
    if (!forget.reset().bind(1, item.alarm_id).run()) return {false, db_.error("cannot update the outbox")};
  }
  if (!tx.commit()) return {false, db_.error("cannot commit to the outbox")};
  return {};
}

StoreStatus AlarmOutbox::mark_failed(std::string_view channel, std::span<const OutboxFailure> failures,
                                     std::string_view error, double now) {
  std::lock_guard lock(mutex_);
  SqliteTransaction tx(db_);
  if (!tx.begun()) return {false, db_.error("cannot update the outbox")};
  for (const auto& f : failures) {
    fail_.reset().bind(1, f.alarm_id).bind(2, channel).bind(3, error).bind(4, now);
    if (f.retry_at) fail_.bind(5, *f.retry_at);
    else fail_.bind_null(5);
    if (!fail_.run()) return {false, db_.error("cannot update the outbox")};
  }
  if (!tx.commit()) return {false, db_.error("cannot commit to the outbox")};
  return {};
}

std::vector<DeadDelivery> AlarmOutbox::dead(std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto q = db_.prepare(
      "SELECT d.alarm_id, d.channel, d.attempts, COALESCE(d.last_error, ''), d.updated_at, a.payload"
      " FROM deliveries d JOIN alarms a ON a.alarm_id = d.alarm_id WHERE d.state = 'dead' ORDER BY d.rowid LIMIT ?1");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<DeadDelivery> out;
  while (q.step()) {
    out.push_back({std::string(q.text(0)), std::string(q.text(1)), static_cast<int>(q.integer(2)),
                   std::string(q.text(3)), q.real(4), std::string(q.text(5))});
  }
  return out;
}

std::size_t AlarmOutbox::retry_dead(std::string_view channel, double now) {
  std::lock_guard lock(mutex_);
  auto q = db_.prepare(
      "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?2, updated_at = ?2"
      " WHERE state = 'dead' AND (?1 = '' OR channel = ?1)");
  q.bind(1, channel).bind(2, now);
  if (!q.run()) return 0;
  return static_cast<std::size_t>(q.changes());
}

std::vector<OutboxCount> AlarmOutbox::counts() {
  std::lock_guard lock(mutex_);
  auto q = db_.prepare("SELECT channel, state, COUNT(*) FROM deliveries GROUP BY channel, state ORDER BY channel, state");
  std::vector<OutboxCount> out;
  while (q.step()) out.push_back({std::string(q.text(0)), std::string(q.text(1)), static_cast<std::uint64_t>(q.integer(2))});
  return out;
}

std::size_t AlarmOutbox::prune(double before) {
  std::lock_guard lock(mutex_);
  auto q = db_.prepare(
      "DELETE FROM alarms WHERE received_at < ?1 AND NOT EXISTS ("
      " SELECT 1 FROM deliveries d WHERE d.alarm_id = alarms.alarm_id AND (d.state <> 'sent' OR d.updated_at >= ?1))");
  q.bind(1, before);
  if (!q.run()) return 0;
  return static_cast<std::size_t>(q.changes());
}

AlarmOutbox::Space AlarmOutbox::space() {
  std::lock_guard lock(mutex_);
  Space out;
  auto pages = db_.prepare("SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM "
                           "pragma_freelist_count()), (SELECT page_size FROM pragma_page_size())");
  if (pages.step()) out.used_bytes = static_cast<std::uint64_t>(pages.integer(0) * pages.integer(1));
  struct statvfs fs {};
  auto dir = std::filesystem::path(db_.path()).parent_path();
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0) {
    out.disk_free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    out.disk_size_bytes = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
  }
  return out;
}

}  // namespace tickflow
