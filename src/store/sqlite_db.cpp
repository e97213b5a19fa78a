#include "src/store/sqlite_db.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <sqlite3.h>

namespace tickflow {

SqliteDb::SqliteDb(const std::string& path, std::string_view what, Sync sync) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(fmt::format("cannot open {} {}: {}", what, path, why));
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec_or_throw("PRAGMA journal_mode=WAL");
    // NORMAL survives a crash of the process; FULL also a loss of power.
    exec_or_throw(sync == Sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

void SqliteDb::exec_or_throw(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("{}: {} ({})", path_, message, sql));
  }
}

bool SqliteDb::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

SqliteStatement SqliteDb::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error(fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), sql));
  }
  return SqliteStatement(db_, stmt);
}

std::string SqliteDb::error(std::string_view doing) const {
  // SQLite says "disk I/O error"; the system's errno says which (No space left on device, ...).
  int system = sqlite3_system_errno(db_);
  return fmt::format("{} {}: {}{}", doing, path_, sqlite3_errmsg(db_),
                     system != 0 ? fmt::format(" ({})", std::strerror(system)) : std::string());
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  ok_ = true;
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  ok_ = rc == SQLITE_DONE;
  return false;
}

bool SqliteStatement::run() {
  while (step()) {
  }
  return ok_;
}

std::string_view SqliteStatement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string_view();
}

double SqliteStatement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
bool SqliteStatement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int SqliteStatement::changes() const { return sqlite3_changes(db_); }

}  // namespace tickflow
