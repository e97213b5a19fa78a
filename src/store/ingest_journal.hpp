// What ingest accepted, on disk, for `tickflow run` over the in-memory bus: the bus keeps
// records only in memory, so without this a crash would lose records already answered
// 200. Ingest appends each published batch (the records as published, seq included) and
// syncs it before it answers; at start-up `tickflow run` publishes the journal again, and
// the stages, resumed from their last saved state, skip by seq what that state holds.
// When every consumer has committed everything (nothing in flight) and the stages' state
// is saved, the journal is emptied: it holds what came since the last such point.
//
// Format: one record per line, `key TAB payload LF` (keys are validated symbols and
// payloads one-line JSON, neither holds a tab or a line break). A last line without its
// LF is a write cut short by a crash, never acknowledged, and is ignored.
// Thread-safe: appends from any thread; hold() keeps appends out while the journal is
// emptied.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "src/bus/bus.hpp"
#include "src/store/state_store.hpp"

namespace tickflow {

class IngestJournal {
 public:
  // Opens or creates the journal. Start-up: throws std::runtime_error when it cannot.
  explicit IngestJournal(std::string path);
  ~IngestJournal();
  IngestJournal(const IngestJournal&) = delete;
  IngestJournal& operator=(const IngestJournal&) = delete;

  // Appends `records` and syncs them to disk; ok once they would survive a crash.
  StoreStatus append(std::span<const OutgoingRecord> records);

  // Calls `each` for every whole record, in the order appended.
  StoreStatus read(const std::function<void(std::string_view key, std::string_view payload)>& each);

  // Keeps appends out while held (they wait), so that the journal can be emptied at a
  // point where nothing is in flight.
  std::unique_lock<std::mutex> hold() { return std::unique_lock(mu_); }
  // Empties the journal; the caller holds hold()'s lock.
  StoreStatus clear(const std::unique_lock<std::mutex>& held);

  std::uint64_t bytes() const;
  std::uint64_t records() const;  // appended since it was last emptied (read counts too)
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  mutable std::mutex mu_;
  std::uint64_t bytes_ = 0;
  std::uint64_t records_ = 0;
};

}  // namespace tickflow
