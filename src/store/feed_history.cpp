#include "src/store/feed_history.hpp"

namespace tickflow {

namespace {

SqliteDb& with_schema(SqliteDb& db) {
  db.exec_or_throw("CREATE TABLE IF NOT EXISTS feed(id INTEGER PRIMARY KEY, source INTEGER NOT NULL, payload TEXT NOT NULL)");
  return db;
}

}  // namespace

FeedHistory::FeedHistory(const std::string& path, std::size_t keep)
    : db_(path, "the dashboard history", SqliteDb::Sync::normal),
      keep_(keep),
      insert_(with_schema(db_).prepare("INSERT INTO feed(source, payload) VALUES(?1, ?2)")),
      prune_(db_.prepare("DELETE FROM feed WHERE id <= (SELECT MAX(id) FROM feed) - ?1")) {}

StoreStatus FeedHistory::append(std::span<const Row> rows) {
  if (rows.empty()) return {};
  SqliteTransaction tx(db_);
  if (!tx.begun()) return {false, db_.error("cannot write")};
  for (const auto& r : rows) {
    if (!insert_.reset().bind(1, static_cast<std::int64_t>(r.source)).bind(2, r.payload).run()) {
      return {false, db_.error("cannot write")};
    }
  }
  // Pruning is a range delete on the key: cheap, but no need to do it every batch.
  since_prune_ += rows.size();
  if (since_prune_ >= keep_ / 10 + 1) {
    if (!prune_.reset().bind(1, static_cast<std::int64_t>(keep_)).run()) return {false, db_.error("cannot prune")};
    since_prune_ = 0;
  }
  if (!tx.commit()) return {false, db_.error("cannot commit")};
  return {};
}

StoreStatus FeedHistory::load(const std::function<void(int, std::string_view)>& f) {
  auto q = db_.prepare("SELECT source, payload FROM feed ORDER BY id");
  while (q.step()) f(static_cast<int>(q.integer(0)), q.text(1));
  if (!q.ok()) return {false, db_.error("cannot read")};
  return {};
}

}  // namespace tickflow
