#include "src/store/state_store.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <sqlite3.h>

namespace tickflow {

namespace {

std::string error_of(sqlite3* db, std::string_view doing) { return fmt::format("{}: {}", doing, sqlite3_errmsg(db)); }

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("state store: {} ({})", message, sql));
  }
}

}  // namespace

StateStore::StateStore(const std::string& path, const std::string& layout) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(fmt::format("cannot open state store {}: {}", path, why));
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, "PRAGMA synchronous=NORMAL");  // WAL + NORMAL survives a process crash
    exec(db_, "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    exec(db_, "CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, bytes BLOB NOT NULL)");
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name = 'layout'", -1, &q, nullptr);
    std::string stored;
    if (sqlite3_step(q) == SQLITE_ROW) stored = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (stored.empty()) {
      sqlite3_prepare_v2(db_, "INSERT INTO meta(name, value) VALUES('layout', ?1)", -1, &q, nullptr);
      sqlite3_bind_text(q, 1, layout.c_str(), -1, SQLITE_TRANSIENT);
      int rc = sqlite3_step(q);
      sqlite3_finalize(q);
      if (rc != SQLITE_DONE) throw std::runtime_error(error_of(db_, "writing the store's layout"));
    } else if (stored != layout) {
      throw std::runtime_error(fmt::format("state store {} holds state for '{}', but the settings now give '{}'; "
                                           "delete the file to start from empty state",
                                           path, stored, layout));
    }
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO state(key, last_seq, bytes) VALUES(?1, ?2, ?3)", -1, &upsert_,
                           nullptr) != SQLITE_OK) {
      throw std::runtime_error(error_of(db_, "preparing the state update"));
    }
    if (sqlite3_prepare_v2(db_, "SELECT key, last_seq, bytes FROM state WHERE key = ?1", -1, &select_, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(error_of(db_, "preparing the state lookup"));
    }
  } catch (...) {
    sqlite3_finalize(select_);
    sqlite3_finalize(upsert_);
    sqlite3_close(db_);
    throw;
  }
}

StateStore::~StateStore() {
  sqlite3_finalize(select_);
  sqlite3_finalize(upsert_);
  sqlite3_close(db_);
}

namespace {

// Steps `q` to its end, handing each (key, last_seq, bytes) row to `f`.
int each_row(sqlite3_stmt* q, const std::function<void(const StateStore::Entry&)>& f) {
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    StateStore::Entry e;
    e.key = std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)),
                             static_cast<std::size_t>(sqlite3_column_bytes(q, 0)));
    e.last_seq = static_cast<std::uint64_t>(sqlite3_column_int64(q, 1));
    e.bytes = std::string_view(static_cast<const char*>(sqlite3_column_blob(q, 2)),
                               static_cast<std::size_t>(sqlite3_column_bytes(q, 2)));
    f(e);
  }
  return rc;
}

}  // namespace

StoreStatus StateStore::load(const std::function<void(const Entry&)>& f) {
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT key, last_seq, bytes FROM state", -1, &q, nullptr) != SQLITE_OK) {
    return {false, error_of(db_, "reading state")};
  }
  int rc = each_row(q, f);
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return {false, error_of(db_, "reading state")};
  return {};
}

StoreStatus StateStore::load_key(std::string_view key, const std::function<void(const Entry&)>& f) {
  sqlite3_reset(select_);
  sqlite3_bind_text(select_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = each_row(select_, f);
  sqlite3_reset(select_);  // ends the read transaction
  if (rc != SQLITE_DONE) return {false, error_of(db_, "reading state")};
  return {};
}

StoreStatus StateStore::save(std::span<const Entry> entries) {
  if (entries.empty()) return {};
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return {false, error_of(db_, fmt::format("saving state to {}", path_))};
  }
  for (const auto& e : entries) {
    sqlite3_reset(upsert_);
    sqlite3_bind_text(upsert_, 1, e.key.data(), static_cast<int>(e.key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 2, static_cast<sqlite3_int64>(e.last_seq));
    if (e.bytes.empty()) {
      sqlite3_bind_zeroblob(upsert_, 3, 0);  // an empty blob; a null pointer would bind SQL NULL
    } else {
      sqlite3_bind_blob(upsert_, 3, e.bytes.data(), static_cast<int>(e.bytes.size()), SQLITE_STATIC);
    }
    if (sqlite3_step(upsert_) != SQLITE_DONE) {
      StoreStatus failed{false, error_of(db_, fmt::format("saving state to {}", path_))};
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return failed;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    StoreStatus failed{false, error_of(db_, fmt::format("saving state to {}", path_))};
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return failed;
  }
  return {};
}

}  // namespace tickflow
