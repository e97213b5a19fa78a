// Per-key state of a consuming stage with the last seq it applied, optionally
// checkpointed to a StateStore: the bookkeeping process and signal share. apply() skips a
// seq already applied (at-least-once redelivery) and marks the key for the next
// checkpoint. After forget() (this member's partitions changed) a key is read again from
// the store the first time it comes up, so instances sharing one store hand keys over
// with their exact state: what the previous owner saved goes with the offsets it
// committed, and records it saved but did not commit are skipped by seq. One thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "src/core/state_codec.hpp"
#include "src/core/string_key_map.hpp"
#include "src/log/named_logger.hpp"
#include "src/services/common/stage.hpp"
#include "src/store/state_store.hpp"

namespace tickflow {

template <typename State>
class KeyedState {
 public:
  struct Entry {
    std::uint64_t last_seq = 0;
    bool dirty = false;
    State state;
  };
  using Encode = std::function<void(const State&, StateWriter&)>;
  using Decode = std::function<bool(State&, StateReader&)>;  // false: the bytes do not fit

  // `make` builds a fresh state (e.g. with the configured periods).
  KeyedState(std::string stage, std::function<State()> make) : stage_(std::move(stage)), make_(std::move(make)) {}

  // Opens the checkpoint at `path` and loads it. Start-up: throws std::runtime_error.
  void open(const std::string& path, const std::string& layout, Encode encode, const Decode& decode) {
    store_ = std::make_unique<StateStore>(path, layout);
    encode_ = std::move(encode);
    decode_ = decode;
    path_ = path;
    std::size_t loaded = 0;
    auto status = store_->load([&](const StateStore::Entry& e) {
      Entry& entry = find_or_make(e.key);
      entry.last_seq = e.last_seq;
      StateReader r(e.bytes);
      if (!decode(entry.state, r)) throw std::runtime_error(fmt::format("{}: state of {} is damaged", path, e.key));
      ++loaded;
    });
    if (!status.ok) throw std::runtime_error(status.message);
    named_logger(stage_)->info("resumed {} keys from {}", loaded, path);
  }

  // The key's entry to update, or nothing when `seq` was applied already.
  // Keys held in memory, and whether `key` is one of them.
  std::size_t size() const noexcept { return entries_.size(); }
  bool holds(std::string_view key) const { return entries_.find(key) != entries_.end(); }

  Entry* apply(std::string_view key, std::optional<std::uint64_t> seq) {
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(std::string(key), load_or_make(key)).first;
    Entry& e = it->second;
    if (seq) {
      if (*seq <= e.last_seq) {
        duplicates_.fetch_add(1);
        return nullptr;
      }
      e.last_seq = *seq;
    }
    if (store_ && !e.dirty) {
      e.dirty = true;
      dirty_.push_back(&it->first);
    }
    return &e;
  }

  // Notes the state of every key changed since the last call, to be saved by save():
  // a stage takes it when a batch's outputs are published and saves it once they are
  // delivered, while it goes on applying later records.
  void snapshot() {
    if (!store_) return;
    for (const std::string* key : dirty_) {
      Entry& e = entries_.find(*key)->second;
      Pending& p = entry_for(pending_, *key);
      p.last_seq = e.last_seq;
      p.bytes.clear();
      StateWriter w(p.bytes);
      encode_(e.state, w);
      e.dirty = false;
    }
    dirty_.clear();
  }

  // Saves what snapshot() noted in one transaction. False (logged) when it could not:
  // the caller must not commit its input; the notes stay for the next try.
  bool save() {
    if (!store_ || pending_.empty()) return true;
    std::vector<StateStore::Entry> rows;
    rows.reserve(pending_.size());
    for (const auto& [key, p] : pending_) rows.push_back({key, p.last_seq, p.bytes});
    if (auto status = store_->save(rows); !status.ok) {
      named_logger(stage_)->error(
          "{}; not committing: the state is saved again at the next checkpoint, and the records since the last "
          "commit come again if the stage stops first",
          status.message);
      return false;
    }
    pending_.clear();
    return true;
  }

  // Drops every key held in memory, saved or not: the store is the truth for the
  // partitions this member now has (and unsaved changes belong to uncommitted input,
  // which comes again). Without a store the memory is all there is, so it stays.
  void forget() {
    if (!store_) return;
    named_logger(stage_)->info("partitions changed: {} keys will be read again from {} as they come", entries_.size(),
                               path_);
    dirty_.clear();
    pending_.clear();
    entries_.clear();
  }

  std::uint64_t duplicates() const noexcept { return duplicates_.load(); }

  // The last seq applied to `key`, as held in memory (after open(), everything the store
  // held); 0 for a key not held.
  std::uint64_t last_applied(std::string_view key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? 0 : it->second.last_seq;
  }
  // Every key held in memory with its last applied seq.
  std::vector<std::pair<std::string, std::uint64_t>> applied() const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    out.reserve(entries_.size());
    for (const auto& [key, e] : entries_) out.emplace_back(key, e.last_seq);
    return out;
  }

 private:
  Entry load_or_make(std::string_view key) {
    Entry entry{0, false, make_()};
    if (!store_) return entry;
    auto status = store_->load_key(key, [&](const StateStore::Entry& e) {
      entry.last_seq = e.last_seq;
      StateReader r(e.bytes);
      if (!decode_(entry.state, r)) {
        named_logger(stage_)->error("{}: state of {} is damaged; starting it afresh", path_, key);
        entry = Entry{0, false, make_()};
      }
    });
    if (!status.ok) named_logger(stage_)->error("{}", status.message);
    return entry;
  }

  Entry& find_or_make(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(std::string(key), Entry{0, false, make_()}).first;
    return it->second;
  }

  std::string stage_;
  std::function<State()> make_;
  StringKeyMap<Entry> entries_;
  std::unique_ptr<StateStore> store_;
  Encode encode_;
  Decode decode_;
  std::string path_;
  std::vector<const std::string*> dirty_;
  struct Pending {
    std::uint64_t last_seq = 0;
    std::string bytes;
  };
  StringKeyMap<Pending> pending_;  // noted by snapshot(), not saved yet
  std::atomic<std::uint64_t> duplicates_{0};
};

// The stage hooks that keep `keys` checkpointed: noted when a batch is published, saved
// before its input is committed, reloaded after a rebalance.
template <typename State>
StageHooks checkpoint_hooks(KeyedState<State>& keys, std::chrono::milliseconds interval) {
  return {.snapshot = [&keys] { keys.snapshot(); },
          .save = [&keys] { return keys.save(); },
          .on_reassign = [&keys] { keys.forget(); },
          .on_idle = {},
          .checkpoint_interval = interval};
}

}  // namespace tickflow
