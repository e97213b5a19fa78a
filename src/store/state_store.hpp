// Durable per-key state of a stage, in SQLite (WAL): key → (last applied seq, state
// bytes), plus the layout the bytes were written for (indicator periods, ...). A batch's
// changes go in one transaction before the stage commits its input offsets, so after a
// crash the stage resumes exactly: state from here, records from the bus, and every
// record with seq ≤ last_seq skipped. One thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tickflow {

struct StoreStatus {
  bool ok = true;
  std::string message;
};

class StateStore {
 public:
  // Opens (creating when missing) the store at `path` for state of `layout`. Throws
  // std::runtime_error at start-up when it cannot, or when the file holds state written
  // for another layout (it says which, and how to start afresh).
  StateStore(const std::string& path, const std::string& layout);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  struct Entry {
    std::string_view key;
    std::uint64_t last_seq;
    std::string_view bytes;
  };

  // Calls `f` for every saved key.
  StoreStatus load(const std::function<void(const Entry&)>& f);
  // Calls `f` for `key` if it is saved (another process sharing the file may have saved it).
  StoreStatus load_key(std::string_view key, const std::function<void(const Entry&)>& f);
  // Saves `entries` in one transaction: all or nothing (disk full → a message, nothing saved).
  StoreStatus save(std::span<const Entry> entries);

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

}  // namespace tickflow
