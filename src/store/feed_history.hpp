// The dashboard's memory across restarts: the last records it was fed (source + JSON), in
// order, in SQLite under the data dir. Replaying them into a fresh feed rebuilds the
// bars, signals, alarms and summaries a page showed before the restart. One thread writes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "src/store/sqlite_db.hpp"
#include "src/store/state_store.hpp"

namespace tickflow {

class FeedHistory {
 public:
  // Keeps at most `keep` records. Throws std::runtime_error at start-up when it cannot open.
  FeedHistory(const std::string& path, std::size_t keep);

  struct Row {
    int source;
    std::string_view payload;
  };
  StoreStatus append(std::span<const Row> rows);
  // Calls `f` for every kept record, oldest first.
  StoreStatus load(const std::function<void(int source, std::string_view payload)>& f);

 private:
  SqliteDb db_;
  std::size_t keep_;
  SqliteStatement insert_;
  SqliteStatement prune_;
  std::uint64_t since_prune_ = 0;
};

}  // namespace tickflow
