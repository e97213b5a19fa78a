// A thin RAII layer over SQLite for the stores: open in WAL mode, run statements with
// bound parameters only (never text pasted into SQL), and transactions that roll back
// unless committed. Failures at run time are values (a message naming the file); only
// opening throws, at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tickflow {

class SqliteStatement;

class SqliteDb {
 public:
  enum class Sync { normal, full };
  // Opens or creates `path`; throws std::runtime_error saying what `what` could not do.
  SqliteDb(const std::string& path, std::string_view what, Sync sync);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs SQL without parameters (schema, pragmas). Throws: for start-up only.
  void exec_or_throw(const char* sql);
  // Runs SQL without parameters; false on failure (see error()).
  bool exec(const char* sql);
  SqliteStatement prepare(const char* sql);  // throws: statements are prepared at start-up

  std::string error(std::string_view doing) const;  // "<doing> <path>: <sqlite message>"
  sqlite3* handle() const noexcept { return db_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Resets and clears the bindings; then bind 1-based parameters.
  SqliteStatement& reset();
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind_null(int index);

  // One step: true while a row is there; `ok()` tells a finished run from a failure.
  bool step();
  bool ok() const noexcept { return ok_; }
  // Runs to completion; false on failure.
  bool run();

  std::string_view text(int column) const;
  double real(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;
  int changes() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool ok_ = true;
};

// BEGIN IMMEDIATE … COMMIT, rolled back when destroyed uncommitted.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db) : db_(db), begun_(db.exec("BEGIN IMMEDIATE")) {}
  ~SqliteTransaction() {
    if (begun_ && !done_) db_.exec("ROLLBACK");
  }
  bool begun() const noexcept { return begun_; }
  bool commit() {
    done_ = db_.exec("COMMIT");
    return done_;
  }

 private:
  SqliteDb& db_;
  bool begun_;
  bool done_ = false;
};

}  // namespace tickflow
