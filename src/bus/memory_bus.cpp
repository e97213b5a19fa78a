#include "src/bus/memory_bus.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <thread>

#include "src/bus/spinning_lock.hpp"

namespace tickflow {

namespace {

constexpr std::size_t chunk_bytes = 1 << 20;

// How long a publisher or consumer watches a busy topic lock before sleeping on it. Holds
// are short (a batch's bookkeeping, no copies), so most waits end within it: with a
// sleeping wait, a publisher and a consumer took turns on one core instead of overlapping
// on two; longer watches gained little for twice what a waiter may burn
// (docs/performance-history.md, "MemoryBus").
constexpr std::chrono::microseconds topic_lock_spin{20};

// Where one record's key and payload lie in its partition's chunks.
struct Slot {
  std::uint64_t chunk;  // sequence number of the chunk
  std::uint32_t pos;
  std::uint32_t key_len;
  std::uint32_t payload_len;
};

// Records of one partition in append-only chunks: no allocation per record, and whole
// chunks are freed once every group has committed past them.
struct Partition {
  std::deque<Slot> slots;  // offsets base .. base + slots.size() - 1
  std::int64_t base = 0;
  std::deque<std::unique_ptr<char[]>> chunks;
  std::uint64_t first_chunk = 0;  // sequence number of chunks.front()
  std::size_t tail_used = 0;
  std::size_t tail_size = 0;
  std::vector<std::unique_ptr<char[]>> spare;  // trimmed chunks kept for reuse: fresh pages cost page faults
  // Where the records of each batch that publishers are still copying in (outside the
  // lock; room reserved) begin, oldest first. Consumers read only below the first.
  std::vector<std::int64_t> writing;

  std::int64_t end() const { return base + static_cast<std::int64_t>(slots.size()); }
  std::int64_t readable_end() const { return writing.empty() ? end() : writing.front(); }

  // Makes room for one record at end() and returns where its key goes, its payload right
  // after; the caller copies them in.
  char* reserve(std::size_t key_len, std::size_t payload_len) {
    std::size_t need = key_len + payload_len;
    if (chunks.empty() || tail_size - tail_used < need) {
      if (need <= chunk_bytes && !spare.empty()) {
        chunks.push_back(std::move(spare.back()));
        spare.pop_back();
      } else {
        chunks.push_back(std::make_unique_for_overwrite<char[]>(std::max(chunk_bytes, need)));  // no zero-fill
      }
      tail_size = std::max(chunk_bytes, need);
      tail_used = 0;
    }
    char* at = chunks.back().get() + tail_used;
    slots.push_back({first_chunk + chunks.size() - 1, static_cast<std::uint32_t>(tail_used),
                     static_cast<std::uint32_t>(key_len), static_cast<std::uint32_t>(payload_len)});
    tail_used += need;
    return at;
  }

  const char* data(const Slot& s) const { return chunks[s.chunk - first_chunk].get() + s.pos; }

  // Drops records below `offset`, and the chunks from before both the first record kept
  // and `held_chunk` (the oldest a consumer's current batch still points into).
  void trim(std::int64_t offset, std::uint64_t held_chunk = UINT64_MAX) {
    while (base < offset && !slots.empty()) {
      slots.pop_front();
      ++base;
    }
    std::uint64_t keep_from = slots.empty() ? first_chunk + chunks.size() - 1 : slots.front().chunk;
    keep_from = std::min(keep_from, held_chunk);
    while (first_chunk < keep_from && chunks.size() > 1) {
      if (spare.size() < 2) spare.push_back(std::move(chunks.front()));  // a standard-size chunk, or larger
      chunks.pop_front();
      ++first_chunk;
    }
  }
};

// The partition of a key: FNV-1a, inline and cheap for symbol-sized keys.
std::size_t partition_of(std::string_view key, std::size_t partitions) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return static_cast<std::size_t>(h % partitions);
}

}  // namespace

class MemorySubscription;

// How a consumer sleeps until one of its topics has something new. Each topic wakes only
// its own consumers: with one bus-wide signal every publish woke every stage of the
// pipeline, and on two cores the ones with nothing to do kept the one with work waiting.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::uint64_t> seq{0};    // bumped on every publish to one of its topics
  std::atomic<bool> sleeping{false};    // only then does a publisher take mu and notify

  void wake() {
    seq.fetch_add(1);
    if (sleeping.load()) {
      std::lock_guard lock(mu);
      cv.notify_one();
    }
  }
};

// One subscription reading one topic: how to wake it, and which chunks its current batch
// points into. Consumers get views of the partitions' chunks, not copies, so a chunk is
// neither freed nor reused while a batch that points into it may still be read.
struct TopicReader {
  Waiter* waiter = nullptr;
  std::vector<std::uint64_t> held_chunk;  // per partition: the batch's oldest chunk; UINT64_MAX for none
};

// A consumer group's view of one topic.
struct GroupState {
  std::vector<std::int64_t> committed;  // per partition: next offset to hand out after a restart
  std::vector<std::int64_t> position;   // per partition: next offset to hand to its owner
  std::vector<MemorySubscription*> owner;
  std::vector<MemorySubscription*> members;

  void rebalance() {
    // Round-robin over members in join order; a partition that changes hands resumes at
    // its committed offset, so what the old owner did not commit is delivered again.
    for (std::size_t p = 0; p < owner.size(); ++p) {
      MemorySubscription* next = members.empty() ? nullptr : members[p % members.size()];
      if (next != owner[p]) {
        owner[p] = next;
        position[p] = committed[p];
      }
    }
  }
};

struct MemoryBus::Topic {
  std::string name;
  std::mutex mu;
  std::condition_variable room_cv;  // publishers waiting for a trim
  std::vector<Partition> partitions;
  StringKeyMap<GroupState> groups;
  std::vector<TopicReader*> readers;  // the subscriptions reading this topic; under mu

  void wake_consumers() {  // called with mu held
    for (TopicReader* r : readers) r->waiter->wake();
  }

  void trim_all() {
    for (std::size_t p = 0; p < partitions.size(); ++p) {
      std::int64_t keep = partitions[p].end();
      if (groups.empty()) keep = partitions[p].base;  // nobody has read anything yet
      for (auto& [name_, g] : groups) keep = std::min(keep, g.committed[p]);
      std::uint64_t held = UINT64_MAX;
      for (const TopicReader* r : readers) held = std::min(held, r->held_chunk[p]);
      partitions[p].trim(keep, held);
    }
  }
};

class MemorySubscription final : public Subscription {
 public:
  MemorySubscription(MemoryBus& bus, std::vector<MemoryBus::Topic*> topics, std::string group)
      : bus_(bus), topics_(std::move(topics)), readers_(topics_.size()), group_(std::move(group)) {
    for (std::size_t i = 0; i < topics_.size(); ++i) {
      MemoryBus::Topic* t = topics_[i];
      std::lock_guard lock(t->mu);
      GroupState& g = entry_for(t->groups, group_);
      if (g.committed.empty()) {
        // A new group starts at the earliest record still held.
        for (auto& part : t->partitions) g.committed.push_back(part.base);
        g.position = g.committed;
        g.owner.assign(t->partitions.size(), nullptr);
      }
      g.members.push_back(this);
      g.rebalance();
      readers_[i].waiter = &waiter_;
      readers_[i].held_chunk.assign(t->partitions.size(), UINT64_MAX);
      t->readers.push_back(&readers_[i]);
      t->wake_consumers();  // members that lost partitions read from their new position
    }
  }

  ~MemorySubscription() override { close(); }

  std::span<const BusRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) override {
    using Clock = std::chrono::steady_clock;
    batch_.clear();
    if (closed_) return {};
    const auto deadline = Clock::now() + timeout;
    Clock::time_point empty_since{};  // when this poll first found nothing to read
    for (;;) {
      std::uint64_t seen = waiter_.seq.load();
      collect(max_records);
      if (!batch_.empty() || bus_.closed_) break;
      if (empty_since == Clock::time_point{}) empty_since = Clock::now();
      // A producer in full flow publishes again within microseconds: watch for a few
      // microseconds before sleeping, which costs a wake-up (two context switches). No
      // sched_yield here: on a busy machine it hands the core to no one useful. 5 µs, not
      // longer, unless asked (set_busy_poll): a pipeline's stages share the cores, and a
      // stage watching an empty topic keeps the next stage off its core, which a longer
      // watch showed in the tick → signal latency. Asked, it watches
      // longer only while the last record came within that time: at a low rate it sleeps
      // as soon as before.
      const auto watch = last_wait_ <= busy_poll_ ? std::max(busy_poll_, short_watch) : short_watch;
      bool arrived = false;
      for (auto until = empty_since + watch; !arrived && Clock::now() < until;) {
        cpu_relax();
        arrived = waiter_.seq.load(std::memory_order_relaxed) != seen;
      }
      if (arrived) continue;
      if (Clock::now() >= deadline) break;
      // sleeping is set before seq is checked again and a publisher bumps seq before
      // reading sleeping: one of the two sees the other, so no wake-up is lost.
      std::unique_lock lock(waiter_.mu);
      waiter_.sleeping.store(true);
      bool woke = waiter_.cv.wait_until(lock, deadline, [&] { return waiter_.seq.load() != seen || bus_.closed_; });
      waiter_.sleeping.store(false);
      if (!woke) break;
    }
    if (batch_.empty()) {
      last_wait_ = std::chrono::microseconds::max();  // nothing came in the whole timeout
    } else {
      last_wait_ = empty_since == Clock::time_point{}
                       ? std::chrono::microseconds(0)
                       : std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - empty_since);
    }
    bus_.consumed_.fetch_add(batch_.size());
    return batch_;
  }

  void set_busy_poll(std::chrono::microseconds watch) override { busy_poll_ = watch; }

  ConsumedPositions positions() const override {
    ConsumedPositions at;
    for (auto* t : topics_) {
      auto lock = lock_spinning(t->mu, topic_lock_spin);
      const GroupState& g = entry_for(t->groups, group_);
      for (std::size_t p = 0; p < g.owner.size(); ++p) {
        if (g.owner[p] == this) at.push_back({t->name, static_cast<std::int32_t>(p), g.position[p]});
      }
    }
    return at;
  }

  using Subscription::commit;
  BusStatus commit(const ConsumedPositions& at, bool /*wait: nothing to wait for*/) override {
    if (closed_) return BusStatus::failure("subscription is closed");
    for (auto* t : topics_) {
      auto lock = lock_spinning(t->mu, topic_lock_spin);
      GroupState& g = entry_for(t->groups, group_);
      for (const auto& o : at) {
        auto p = static_cast<std::size_t>(o.partition);
        if (o.topic == t->name && p < g.owner.size() && g.owner[p] == this) {
          g.committed[p] = std::max(g.committed[p], o.next);
        }
      }
      t->trim_all();
      t->room_cv.notify_all();
    }
    bus_.commits_.fetch_add(1);
    return BusStatus::success();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    for (std::size_t i = 0; i < topics_.size(); ++i) {
      MemoryBus::Topic* t = topics_[i];
      std::lock_guard lock(t->mu);
      GroupState& g = entry_for(t->groups, group_);
      std::erase(g.members, this);
      g.rebalance();
      std::erase(t->readers, &readers_[i]);  // and with it the batch's hold on its chunks
      t->wake_consumers();  // the partitions' new owners may have records to read
    }
  }

 private:
  // Adds up to `max` records from owned partitions to the batch, as views of the
  // partitions' chunks (written once, never moved), and holds those chunks: whatever was
  // held for the previous batch is let go, since its views end with this poll.
  void collect(std::size_t max) {
    for (std::size_t i = 0; i < topics_.size(); ++i) {
      MemoryBus::Topic* t = topics_[i];
      std::vector<std::uint64_t>& held = readers_[i].held_chunk;
      auto lock = lock_spinning(t->mu, topic_lock_spin);
      std::fill(held.begin(), held.end(), UINT64_MAX);
      GroupState& g = entry_for(t->groups, group_);
      for (std::size_t p = 0; p < t->partitions.size() && batch_.size() < max; ++p) {
        if (g.owner[p] != this) continue;
        Partition& part = t->partitions[p];
        const std::int64_t readable = part.readable_end();
        while (g.position[p] < readable && batch_.size() < max) {
          const Slot& s = part.slots[static_cast<std::size_t>(g.position[p] - part.base)];
          const char* data = part.data(s);
          held[p] = std::min(held[p], s.chunk);
          BusRecord r;
          r.topic = std::string_view(t->name.data(), t->name.size());
          r.key = std::string_view(data, s.key_len);
          r.payload = std::string_view(data + s.key_len, s.payload_len);
          r.partition = static_cast<std::int32_t>(p);
          r.offset = g.position[p]++;
          batch_.push_back(r);
        }
      }
    }
  }

  MemoryBus& bus_;
  std::vector<MemoryBus::Topic*> topics_;
  std::vector<TopicReader> readers_;  // one per topic, never resized: the topics point at them
  std::string group_;
  std::vector<BusRecord> batch_;
  bool closed_ = false;
  Waiter waiter_;
  static constexpr std::chrono::microseconds short_watch{5};
  std::chrono::microseconds busy_poll_{0};                          // set_busy_poll
  std::chrono::microseconds last_wait_{std::chrono::microseconds::max()};  // the last poll's wait for its first record
};

namespace {
std::atomic<std::uint64_t> next_bus_id{1};
}  // namespace

MemoryBus::MemoryBus(MemoryBusOptions options) : options_(options), id_(next_bus_id.fetch_add(1)) {}

MemoryBus::~MemoryBus() { shut_down(); }

void MemoryBus::shut_down() {
  closed_ = true;
  std::lock_guard lock(topics_mu_);
  for (auto& [name, t] : topics_) {
    std::lock_guard topic_lock(t->mu);
    t->wake_consumers();
    t->room_cv.notify_all();
  }
}

MemoryBus::Topic& MemoryBus::topic(std::string_view name) {
  // Publishers usually write one topic over and over: skip the shared map (and its lock)
  // for the topic this thread used last. Topics live as long as the bus; the cache is
  // keyed by the bus's id, since a new bus may be built where a destroyed one was.
  thread_local std::uint64_t cached_bus = 0;
  thread_local Topic* cached_topic = nullptr;
  if (cached_bus == id_ && cached_topic->name == name) return *cached_topic;
  std::lock_guard lock(topics_mu_);
  auto& slot = entry_for(topics_, name);
  if (!slot) {
    slot = std::make_unique<Topic>();
    slot->name = std::string(name);
    slot->partitions = std::vector<Partition>(static_cast<std::size_t>(std::max(1, options_.partitions)));
  }
  cached_bus = id_;
  cached_topic = slot.get();
  return *slot;
}

PublishStatus MemoryBus::publish(std::string_view topic_name, std::string_view key, std::string_view payload,
                                 std::chrono::milliseconds wait) {
  if (closed_) return PublishStatus::closed;
  if (key.size() + payload.size() > UINT32_MAX) return PublishStatus::failed;
  OutgoingRecord one{key, payload};
  if (publish_batch(topic_name, {&one, 1}, wait) == 1) return PublishStatus::ok;
  return closed_ ? PublishStatus::closed : PublishStatus::full;
}

namespace {

// A batch of up to this many bytes is copied in under its topic's lock. A larger one
// reserves its room under the lock and copies after, so the topic's consumers are not
// kept waiting meanwhile (copying a large batch under the lock put them to sleep on it).
constexpr std::size_t copy_outside_lock_from = 16 * 1024;

void copy_record(char* at, const OutgoingRecord& r) {
  std::memcpy(at, r.key.data(), r.key.size());
  std::memcpy(at + r.key.size(), r.payload.data(), r.payload.size());
}

}  // namespace

std::size_t MemoryBus::publish_batch(std::string_view topic_name, std::span<const OutgoingRecord> records,
                                     std::chrono::milliseconds wait) {
  if (closed_ || records.empty()) return 0;
  Topic& t = topic(topic_name);
  const std::size_t partitions = t.partitions.size();  // fixed when the topic was made
  // Per record, worked out before the lock: its partition; and where its bytes go.
  thread_local std::vector<std::uint32_t> partition;
  thread_local std::vector<char*> destination;
  thread_local std::vector<std::int64_t> round_from;  // per partition: first offset reserved this round, or -1
  partition.resize(records.size());
  destination.resize(records.size());
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    partition[i] = static_cast<std::uint32_t>(partition_of(records[i].key, partitions));
    bytes += records[i].key.size() + records[i].payload.size();
  }
  const bool copy_later = bytes >= copy_outside_lock_from;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::size_t capacity = options_.partition_capacity;

  // Room for one more record in `part`, made if it can be; called with t.mu held.
  auto make_room = [&](Partition& part) {
    if (part.slots.size() < capacity) return true;
    if (t.groups.empty() && part.base < part.readable_end()) {
      // No group reads this topic, so none to wait for: the oldest record makes room, as
      // Kafka's retention would drop it. Otherwise a topic nothing in the process reads
      // (rejected records in `tickflow run`) would stop its publishers once full.
      part.trim(part.base + 1);
      return true;
    }
    return false;
  };

  std::size_t accepted = 0;
  bool stop = false;
  while (accepted < records.size() && !stop) {
    // One round: reserve (and, for a small batch, copy) under the lock until the batch
    // ends or a partition is full.
    round_from.assign(partitions, -1);
    std::size_t i = accepted;
    {
      auto lock = lock_spinning(t.mu, topic_lock_spin);
      for (; i < records.size(); ++i) {
        const OutgoingRecord& r = records[i];
        if (r.key.size() + r.payload.size() > UINT32_MAX) {
          stop = true;
          break;
        }
        Partition& part = t.partitions[partition[i]];
        if (!make_room(part)) {
          // What this round reserved goes in first: its readers may be what frees the room.
          if (i > accepted) break;
          bool room = t.room_cv.wait_until(lock, deadline, [&] { return closed_ || make_room(part); });
          if (!room || closed_) {
            stop = true;
            break;
          }
        }
        char* at = part.reserve(r.key.size(), r.payload.size());
        if (!copy_later) {
          copy_record(at, r);
          continue;
        }
        destination[i] = at;
        if (round_from[partition[i]] < 0) {
          // Marked at once, not at the round's end: make_room must not drop what this
          // round has reserved either (its chunk may be freed before the copy).
          round_from[partition[i]] = part.end() - 1;
          part.writing.push_back(round_from[partition[i]]);
        }
      }
      if (i == accepted) break;
      if (!copy_later) t.wake_consumers();
    }
    if (copy_later) {
      for (std::size_t j = accepted; j < i; ++j) copy_record(destination[j], records[j]);
      auto lock = lock_spinning(t.mu, topic_lock_spin);
      for (std::size_t p = 0; p < partitions; ++p) {
        if (round_from[p] >= 0) std::erase(t.partitions[p].writing, round_from[p]);
      }
      t.wake_consumers();
      t.room_cv.notify_all();  // a publisher to a topic no group reads may wait for these to be readable
    }
    accepted = i;
  }
  if (accepted > 0) published_.fetch_add(accepted, std::memory_order_relaxed);
  return accepted;
}

std::unique_ptr<Subscription> MemoryBus::subscribe(const std::vector<std::string>& topics, std::string_view group) {
  std::vector<Topic*> ts;
  for (const auto& name : topics) ts.push_back(&topic(name));
  return std::make_unique<MemorySubscription>(*this, std::move(ts), std::string(group));
}

BusCounters MemoryBus::counters() const {
  BusCounters c;
  c.published = published_.load();
  c.delivered = c.published;
  c.consumed = consumed_.load();
  c.committed = commits_.load();
  std::lock_guard lock(topics_mu_);
  for (const auto& [name, t] : topics_) {
    std::lock_guard topic_lock(t->mu);
    for (std::size_t p = 0; p < t->partitions.size(); ++p) {
      std::int64_t slowest = t->partitions[p].end();
      for (const auto& [group, g] : t->groups) slowest = std::min(slowest, g.committed[p]);
      c.lag += t->partitions[p].end() - slowest;
    }
  }
  return c;
}

}  // namespace tickflow
