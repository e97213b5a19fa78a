#include "src/bus/kafka_bus.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "src/log/named_logger.hpp"

namespace tickflow {

namespace {

const std::shared_ptr<spdlog::logger>& log() {
  static const auto logger = named_logger("kafka");
  return logger;
}

// What a failed offset commit means for the user, said the same wherever one fails.
std::string commit_failure(rd_kafka_resp_err_t err) {
  return fmt::format("commit failed: {} (the uncommitted records will be delivered again)", rd_kafka_err2str(err));
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(fmt::format("kafka.{} = '{}': {}", key, value, err));
  }
}

rd_kafka_conf_t* base_conf(const KafkaBusOptions& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", o.brokers);
  set(conf, "client.id", o.client_id);
  // Small records, sent one batch at a time: without this the kernel holds a request back
  // waiting for more (Nagle), which at low rates held each tick's trip through the stages
  // for tens of ms. `kafka.socket.nagle.disable = "false"` brings it back.
  set(conf, "socket.nagle.disable", "true");
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
    auto lvl = level <= 3 ? spdlog::level::err : level <= 4 ? spdlog::level::warn : level <= 6 ? spdlog::level::info : spdlog::level::debug;
    log()->log(lvl, "{}: {}", fac, buf);
  });
  return conf;
}

void apply_settings(rd_kafka_conf_t* conf, const KafkaBusOptions& o) {
  for (const auto& [key, value] : o.settings) set(conf, key, value);
}

rd_kafka_t* make_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(fmt::format("cannot create Kafka client: {}", err));
  }
  return rk;
}

}  // namespace

// A consumer group member: one librdkafka consumer. Messages of the last poll are held
// (their payloads are the views handed out) until the next poll or close.
class KafkaSubscription final : public Subscription {
 public:
  KafkaSubscription(const KafkaBusOptions& o, std::shared_ptr<KafkaBus::Shared> shared,
                    const std::vector<std::string>& topics, std::string_view group)
      : shared_(std::move(shared)) {
    rd_kafka_conf_t* conf = base_conf(o);
    set(conf, "group.id", std::string(group));
    set(conf, "enable.auto.commit", "false");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.partition.eof", "false");
    // A member that died (kill -9) keeps its partitions until its session times out, and a
    // restarted one waits that long to be given them: 10 s instead of librdkafka's 45.
    set(conf, "session.timeout.ms", "10000");
    set(conf, "heartbeat.interval.ms", "3000");
    apply_settings(conf, o);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &KafkaSubscription::on_rebalance);
    rk_ = make_client(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(rk_);
    commit_results_ = rd_kafka_queue_new(rk_);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      rd_kafka_queue_destroy(commit_results_);
      rd_kafka_destroy(rk_);
      throw KafkaError(fmt::format("subscribe failed: {}", rd_kafka_err2str(err)));
    }
  }

  ~KafkaSubscription() override { close(); }

  std::span<const BusRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) override {
    release();
    if (rk_ == nullptr) return {};
    send_held_commit();
    // (The run's topic handle is kept alive by the held message it came from, only
    // until release() above: a new poll starts a new run.)
    run_next_ = nullptr;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (batch_.size() < max_records) {
      // Only the first record is waited for, so only then is the clock read: a read per
      // record was ~3% of the chained stages' thread at 100k ticks/s (perf).
      int wait_ms = 0;
      if (batch_.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait_ms);
      if (m == nullptr) {
        if (!batch_.empty() || std::chrono::steady_clock::now() >= deadline) break;
        continue;
      }
      if (m->err) {
        log()->warn("consume: {}", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        continue;
      }
      held_.push_back(m);
      BusRecord r;
      r.topic = rd_kafka_topic_name(m->rkt);
      r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
      r.payload = std::string_view(static_cast<const char*>(m->payload), m->len);
      r.partition = m->partition;
      r.offset = m->offset;
      batch_.push_back(r);
      // Messages come in runs from one partition: its entry is found once per run, not
      // made (a string key) per message.
      if (m->rkt != run_topic_ || m->partition != run_partition_ || run_next_ == nullptr) {
        run_next_ = &polled_[{std::string(r.topic), r.partition}];
        run_topic_ = m->rkt;
        run_partition_ = m->partition;
      }
      *run_next_ = r.offset + 1;
    }
    update_lag();
    shared_->consumed.fetch_add(batch_.size());
    return batch_;
  }

  ConsumedPositions positions() const override {
    ConsumedPositions at;
    at.reserve(polled_.size());
    for (const auto& [tp, next] : polled_) at.push_back({tp.first, tp.second, next});
    return at;
  }

  using Subscription::commit;
  BusStatus commit(const ConsumedPositions& at, bool wait) override {
    if (rk_ == nullptr) return BusStatus::failure("subscription is closed");
    serve_commit_results();
    if (!wait) {
      // One commit without waiting in flight at a time: the broker answers a member's
      // commits one by one (each a write to __consumer_offsets), and ones sent faster than
      // that queue up ahead of its heartbeats until the session times out. A later
      // position covers an earlier one, so while one is in flight the newest is held and
      // sent when it is answered.
      held_commit_ = at;
      send_held_commit();
      return BusStatus::success();
    }
    held_commit_.reset();  // this one covers it
    rd_kafka_topic_partition_list_t* list = owned_offsets(at);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (list->cnt > 0) err = rd_kafka_commit(rk_, list, 0);
    // Only a commit waited for is known to have landed; one sent without waiting may fail
    // unseen, so a later commit of the same offsets is not skipped.
    if (!err) {
      for (int i = 0; i < list->cnt; ++i) {
        committed_[{list->elems[i].topic, list->elems[i].partition}] = list->elems[i].offset;
      }
    }
    const bool sent = list->cnt > 0;
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      return BusStatus::failure(commit_failure(err));
    }
    if (sent) shared_->committed.fetch_add(1);
    return BusStatus::success();
  }

  std::uint64_t assignment_generation() const override { return generation_.load(); }

  void close() override {
    if (rk_ == nullptr) return;
    release();
    held_commit_.reset();
    rd_kafka_consumer_close(rk_);  // leaves the group; nothing is committed here
    serve_commit_results();
    rd_kafka_queue_destroy(commit_results_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    shared_->lag.fetch_sub(lag_);
    lag_ = 0;
  }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<KafkaSubscription*>(opaque);
    self->generation_.fetch_add(1);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      return;
    }
    // Revoked: offsets not yet committed for these partitions are the new owner's to
    // redeliver; committing them from here would fail the whole commit.
    self->run_next_ = nullptr;  // may point at an entry erased here
    for (int i = 0; i < parts->cnt; ++i) {
      self->polled_.erase({parts->elems[i].topic, parts->elems[i].partition});
      self->committed_.erase({parts->elems[i].topic, parts->elems[i].partition});
    }
    rd_kafka_assign(rk, nullptr);
  }

  // The offsets of `at` in partitions this member owns and has not had a waited commit
  // put at or past (revoked ones would fail the whole commit).
  rd_kafka_topic_partition_list_t* owned_offsets(const ConsumedPositions& at) const {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(at.size()));
    for (const auto& o : at) {
      auto key = std::pair{o.topic, o.partition};
      if (!polled_.contains(key)) continue;
      if (auto it = committed_.find(key); it != committed_.end() && it->second >= o.next) continue;
      rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.next;
    }
    return list;
  }

  // Sends the held positions unless a commit without waiting is still unanswered.
  void send_held_commit() {
    serve_commit_results();
    if (commit_in_flight_ || !held_commit_) return;
    rd_kafka_topic_partition_list_t* list = owned_offsets(*held_commit_);
    held_commit_.reset();
    if (list->cnt > 0) {
      rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk_, list, commit_results_, &on_commit_result, this);
      if (err) {
        log()->warn("{}", commit_failure(err));
      } else {
        commit_in_flight_ = true;
        shared_->committed.fetch_add(1);
      }
    }
    rd_kafka_topic_partition_list_destroy(list);
  }

  void serve_commit_results() {
    while (rd_kafka_queue_poll_callback(commit_results_, 0) > 0) {
    }
  }

  static void on_commit_result(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque) {
    auto* self = static_cast<KafkaSubscription*>(opaque);
    self->commit_in_flight_ = false;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log()->warn("{}", commit_failure(err));
    }
  }

  void release() {
    for (auto* m : held_) rd_kafka_message_destroy(m);
    held_.clear();
    batch_.clear();
  }

  void update_lag() {
    std::int64_t lag = 0;
    for (const auto& [tp, next] : polled_) {
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(rk_, tp.first.c_str(), tp.second, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          high >= next) {
        lag += high - next;
      }
    }
    shared_->lag.fetch_add(lag - lag_);
    lag_ = lag;
  }

  std::shared_ptr<KafkaBus::Shared> shared_;
  rd_kafka_t* rk_ = nullptr;
  std::vector<rd_kafka_message_t*> held_;
  std::vector<BusRecord> batch_;
  using TopicPartition = std::pair<std::string, std::int32_t>;
  std::map<TopicPartition, std::int64_t> polled_;     // owned partitions: next offset after the last polled
  std::int64_t* run_next_ = nullptr;                  // polled_'s entry for the partition of the last message
  const rd_kafka_topic_s* run_topic_ = nullptr;
  std::int32_t run_partition_ = -1;
  std::map<TopicPartition, std::int64_t> committed_;  // what a commit waited for last put there
  rd_kafka_queue_t* commit_results_ = nullptr;        // answers to commits sent without waiting
  bool commit_in_flight_ = false;                     // one of those is unanswered
  std::optional<ConsumedPositions> held_commit_;      // the newest positions to send after it
  std::int64_t lag_ = 0;
  std::atomic<std::uint64_t> generation_{0};  // rebalances seen (set in poll's callbacks)
};

KafkaBus::KafkaBus(KafkaBusOptions options) : options_(std::move(options)), shared_(std::make_shared<Shared>()) {
  shared_->on_delivery_failure = options_.on_delivery_failure;
  rd_kafka_conf_t* conf = base_conf(options_);
  set(conf, "enable.idempotence", "true");
  set(conf, "acks", "all");
  set(conf, "linger.ms", std::to_string(options_.linger_ms));
  set(conf, "compression.type", options_.compression);
  apply_settings(conf, options_);
  rd_kafka_conf_set_opaque(conf, shared_.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* shared = static_cast<Shared*>(opaque);
    if (m->err) {
      shared->failed.fetch_add(1);
      auto why = fmt::format("delivery to {} failed: {}", rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
      log()->error("{}", why);
      if (shared->on_delivery_failure) shared->on_delivery_failure(why);
    } else {
      shared->delivered.fetch_add(1);
    }
    shared->settle(reinterpret_cast<std::uintptr_t>(m->_private));
  });
  producer_ = make_client(RD_KAFKA_PRODUCER, conf);
  poller_ = std::thread([this] {
    while (!stopping_.load()) rd_kafka_poll(producer_, 100);
  });
}

KafkaBus::~KafkaBus() {
  std::size_t left = flush(std::chrono::seconds(10));
  if (left > 0) log()->error("{} records not delivered at shutdown", left);
  stopping_ = true;
  poller_.join();
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(producer_);
}

PublishStatus KafkaBus::publish(std::string_view topic, std::string_view key, std::string_view payload,
                                std::chrono::milliseconds wait) {
  if (stopping_) return PublishStatus::closed;
  rd_kafka_topic_t* rkt = nullptr;
  {
    std::lock_guard lock(topics_mu_);
    auto it = topics_.find(topic);
    if (it != topics_.end()) rkt = it->second;
  }
  if (rkt == nullptr) {
    std::string name(topic);
    if (auto s = ensure_topics({name}); !s.ok) log()->warn("{}", s.message);
    std::lock_guard lock(topics_mu_);
    auto& slot = entry_for(topics_, topic);
    if (slot == nullptr) slot = rd_kafka_topic_new(producer_, name.c_str(), nullptr);
    rkt = slot;
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;  // set when the queue is first full
  const std::uint64_t ticket = shared_->take_ticket();
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(ticket))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      shared_->published.fetch_add(1, std::memory_order_relaxed);
      return PublishStatus::ok;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      log()->error("publish to {} refused: {}", topic, rd_kafka_err2str(err));
      shared_->settle(ticket);  // not accepted: nothing to wait for
      return PublishStatus::failed;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!deadline) deadline = now + wait;
    if (now >= *deadline) {
      shared_->settle(ticket);
      return PublishStatus::full;
    }
    rd_kafka_poll(producer_, 5);  // room appears as deliveries complete
  }
}

std::uint64_t KafkaBus::Shared::take_ticket() {
  std::lock_guard lock(settle_mu);
  settled.push_back(false);
  return next_ticket++;
}

void KafkaBus::Shared::settle(std::uint64_t ticket) {
  {
    std::lock_guard lock(settle_mu);
    if (ticket < base || ticket - base >= settled.size()) return;
    settled[ticket - base] = true;
    while (!settled.empty() && settled.front()) {
      settled.pop_front();
      ++base;
    }
  }
  settle_cv.notify_all();
}

std::uint64_t KafkaBus::publish_mark() {
  std::lock_guard lock(shared_->settle_mu);
  return shared_->next_ticket;
}

std::size_t KafkaBus::flush_to(std::uint64_t mark, std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->settle_mu);
  shared_->settle_cv.wait_for(lock, timeout, [&] { return shared_->base >= mark; });
  return shared_->base >= mark ? 0 : static_cast<std::size_t>(mark - shared_->base);
}

std::size_t KafkaBus::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(producer_, static_cast<int>(timeout.count()));
  return static_cast<std::size_t>(rd_kafka_outq_len(producer_));
}

BusCounters KafkaBus::counters() const {
  BusCounters c;
  c.published = shared_->published.load();
  c.delivered = shared_->delivered.load();
  c.failed = shared_->failed.load();
  c.consumed = shared_->consumed.load();
  c.committed = shared_->committed.load();
  c.queue_depth = rd_kafka_outq_len(producer_);
  c.lag = shared_->lag.load();
  return c;
}

BusStatus KafkaBus::health(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer_, 0, nullptr, &md, static_cast<int>(timeout.count()));
  if (err) return BusStatus::failure(fmt::format("no Kafka broker answered at {}: {}", options_.brokers, rd_kafka_err2str(err)));
  int brokers = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  if (brokers == 0) return BusStatus::failure("the Kafka cluster reports no brokers");
  return BusStatus::success();
}

std::unique_ptr<Subscription> KafkaBus::subscribe(const std::vector<std::string>& topics, std::string_view group) {
  if (auto s = ensure_topics(topics); !s.ok) log()->warn("{}", s.message);
  return std::make_unique<KafkaSubscription>(options_, shared_, topics, group);
}

namespace {

// One topic admin request: `send` issues it (with these options, answering on `queue`);
// `results` reads the per-topic results from the answer. An error in `tolerated` counts
// as success (a topic that exists already, when creating). The first failure names its
// topic and the broker's reason.
BusStatus topic_admin(rd_kafka_t* client, rd_kafka_admin_op_t op, std::string_view doing, const std::string& brokers,
                      rd_kafka_resp_err_t tolerated,
                      const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& send,
                      const std::function<const rd_kafka_topic_result_t**(rd_kafka_event_t*, size_t*)>& results) {
  char err[512];
  rd_kafka_queue_t* queue = rd_kafka_queue_new(client);
  rd_kafka_AdminOptions_t* admin = rd_kafka_AdminOptions_new(client, op);
  rd_kafka_AdminOptions_set_operation_timeout(admin, 10000, err, sizeof err);
  send(admin, queue);
  BusStatus status;
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 12000);
  if (ev == nullptr) {
    status = BusStatus::failure(fmt::format("{} topics timed out (is the broker at {} up?)", doing, brokers));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** each = results(ev, &n);
    for (size_t i = 0; i < n && status.ok; ++i) {
      auto e = rd_kafka_topic_result_error(each[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != tolerated) {
        status = BusStatus::failure(fmt::format("{} topic {}: {}", doing, rd_kafka_topic_result_name(each[i]),
                                                rd_kafka_topic_result_error_string(each[i])));
      }
    }
    if (rd_kafka_event_error(ev) && status.ok) status = BusStatus::failure(rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(admin);
  rd_kafka_queue_destroy(queue);
  return status;
}

}  // namespace

BusStatus KafkaBus::ensure_topics(const std::vector<std::string>& wanted) {
  std::vector<std::string> topics;
  {
    std::lock_guard lock(topics_mu_);
    for (const auto& t : wanted) {
      if (!ensured_.count(t)) topics.push_back(t);
    }
  }
  if (topics.empty() || !options_.create_topics) return BusStatus::success();
  char err[512];
  std::vector<rd_kafka_NewTopic_t*> requests;
  for (const auto& t : topics) {
    requests.push_back(rd_kafka_NewTopic_new(t.c_str(), options_.topic_partitions, options_.replication_factor, err, sizeof err));
    if (requests.back() == nullptr) {
      for (auto* r : requests) if (r) rd_kafka_NewTopic_destroy(r);
      return BusStatus::failure(fmt::format("topic {}: {}", t, err));
    }
  }
  BusStatus status = topic_admin(
      producer_, RD_KAFKA_ADMIN_OP_CREATETOPICS, "creating", options_.brokers, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
      [&](rd_kafka_AdminOptions_t* admin, rd_kafka_queue_t* queue) {
        rd_kafka_CreateTopics(producer_, requests.data(), requests.size(), admin, queue);
      },
      [](rd_kafka_event_t* ev, size_t* n) -> const rd_kafka_topic_result_t** {
        const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
        return res ? rd_kafka_CreateTopics_result_topics(res, n) : nullptr;
      });
  for (auto* r : requests) rd_kafka_NewTopic_destroy(r);
  if (status.ok) {
    std::lock_guard lock(topics_mu_);
    ensured_.insert(topics.begin(), topics.end());
  }
  return status;
}

BusStatus KafkaBus::delete_topics(const std::vector<std::string>& topics) {
  if (topics.empty()) return BusStatus::success();
  {
    std::lock_guard lock(topics_mu_);
    for (const auto& t : topics) ensured_.erase(t);
  }
  std::vector<rd_kafka_DeleteTopic_t*> requests;
  for (const auto& t : topics) requests.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  BusStatus status = topic_admin(
      producer_, RD_KAFKA_ADMIN_OP_DELETETOPICS, "deleting", options_.brokers, RD_KAFKA_RESP_ERR_NO_ERROR,
      [&](rd_kafka_AdminOptions_t* admin, rd_kafka_queue_t* queue) {
        rd_kafka_DeleteTopics(producer_, requests.data(), requests.size(), admin, queue);
      },
      [](rd_kafka_event_t* ev, size_t* n) -> const rd_kafka_topic_result_t** {
        const rd_kafka_DeleteTopics_result_t* res = rd_kafka_event_DeleteTopics_result(ev);
        return res ? rd_kafka_DeleteTopics_result_topics(res, n) : nullptr;
      });
  for (auto* r : requests) rd_kafka_DeleteTopic_destroy(r);
  return status;
}

}  // namespace tickflow
