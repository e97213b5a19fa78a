#include "src/services/ingest/ingest_handler.hpp"

#include "src/services/common/output_topics.hpp"
#include "src/core/unix_clock.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/core/json_writer.hpp"
#include "src/services/common/prometheus_text.hpp"
#include "src/core/record_writer.hpp"
#include "src/log/named_logger.hpp"
#include "src/net/access_guard.hpp"
#include "src/core/rejection_writer.hpp"

namespace tickflow {

namespace {

namespace od = simdjson::ondemand;
using Clock = std::chrono::steady_clock;

// What the described rejections of a request may take in its answer at least: enough to
// describe a few records of a small request in full; beyond it, 4x the request.
constexpr std::size_t min_answer_budget = 16 * 1024;


HttpResponse error_response(int status, std::string_view message) {
  std::string body = "{\"error\":";
  json::append_string(body, message);
  body += '}';
  return json_response(status, std::move(body));
}

}  // namespace

// What one request became: the records to publish (in order) and the rejections.
struct IngestHandler::Outcome {
  struct Accepted {
    std::size_t index;
    std::size_t rejected_before;  // rejections in the request ahead of this record
    std::string key;
    std::string_view raw;    // the record as sent (in the request's padded copy), when reusable
    std::string rewritten;   // otherwise the record written anew (e.g. its symbol upper-cased)
    bool add_data_type = false;
  };
  std::vector<Accepted> accepted;
  // The first max_rejections_described rejections, in full: index, problems, and the line
  // that goes to rejected_data. The rest are only counted, so that a body of a million bad
  // records costs neither a million descriptions in memory nor an answer many times its size.
  std::vector<std::pair<std::size_t, ValidationErrors>> rejected;
  std::vector<std::string> rejected_lines;
  std::size_t rejected_total = 0;
  double received = 0;                      // ingest_ts of every record of the request
  std::size_t request_bytes = 0;
};

IngestHandler::IngestHandler(Bus& bus, IngestOptions options, std::function<double()> clock)
    : bus_(bus), options_(std::move(options)), clock_(clock ? std::move(clock) : unix_now) {
  ensure_output_topics(bus_, {options_.validated_topic, options_.rejected_topic}, "ingest");
  if (options_.state_path.empty()) return;
  seq_store_ = std::make_unique<StateStore>(options_.state_path, "ingest seq reservations");
  auto status = seq_store_->load([&](const StateStore::Entry& e) {
    // Continue above the ceiling: numbers below it may have gone out before the restart.
    entry_for(seq_, e.key) = SeqState{e.last_seq, e.last_seq};
  });
  if (!status.ok) throw std::runtime_error(status.message);
}

std::unique_ptr<RecordParser> IngestHandler::take_parser() {
  std::lock_guard lock(parsers_mu_);
  if (parsers_.empty()) return std::make_unique<RecordParser>(options_.limits);
  auto p = std::move(parsers_.back());
  parsers_.pop_back();
  return p;
}

void IngestHandler::give_back(std::unique_ptr<RecordParser> parser) {
  std::lock_guard lock(parsers_mu_);
  parsers_.push_back(std::move(parser));
}

void IngestHandler::count_status(int status) {
  std::lock_guard lock(metrics_mu_);
  ++requests_by_status_[status];
}

HttpResponse IngestHandler::handle(const HttpRequest& request) {
  auto started = Clock::now();
  HttpResponse response;
  std::string_view path = request.path();
  if (path == "/ingest") {
    if (request.method != "POST") {
      response = error_response(405, "use POST for /ingest");
      response.headers.emplace_back("Allow", "POST");
    } else {
      response = ingest(request);
    }
  } else if (path == "/healthz" || path == "/metrics") {
    if (request.method != "GET" && request.method != "HEAD") {
      response = error_response(405, fmt::format("use GET for {}", path));
      response.headers.emplace_back("Allow", "GET");
    } else if (path == "/healthz") {
      BusStatus health = bus_.health(std::chrono::milliseconds(1000));
      response = health.ok ? json_response(200, "{\"status\":\"ok\"}") : error_response(503, health.message);
    } else {
      response.content_type = "text/plain; version=0.0.4";
      response.body = metrics_text();
    }
  } else {
    response = error_response(404, fmt::format("no such path: {}; try POST /ingest, GET /healthz, GET /metrics", path));
  }
  count_status(response.status);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::lock_guard lock(metrics_mu_);
  std::size_t bucket = 0;
  while (bucket < latency_buckets_.size() && seconds > latency_buckets_[bucket]) ++bucket;
  ++latency_counts_[bucket];
  latency_sum_ += seconds;
  return response;
}

std::string IngestHandler::handle_websocket_message(std::string_view message) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/ingest";
  req.content_type = "application/x-ndjson";  // one object is one line
  req.body = std::string(message);
  HttpResponse res = handle(req);
  return fmt::format("{{\"status\":{},\"answer\":{}}}", res.status, res.body);
}

HttpResponse IngestHandler::ingest(const HttpRequest& request) {
  bool ndjson = has_media_type(request.content_type, {"application/x-ndjson", "application/jsonl"});
  if (!ndjson && !has_media_type(request.content_type, {"application/json"})) {
    return error_response(415, fmt::format("Content-Type '{}' is not accepted; send application/json (one object or an "
                                           "array) or application/x-ndjson (one object per line)",
                                           request.content_type));
  }
  std::string_view body = request.body;
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return error_response(400, "empty body; send a JSON object, array or NDJSON");

  // One padded copy of the body: every record is then parsed in place.
  std::string padded(body);
  padded.append(record_padding, '\0');
  const char* end_of_buffer = padded.data() + padded.size();
  std::string_view text(padded.data(), body.size());

  Outcome outcome;
  auto reject = [&](std::size_t index, const ValidationErrors& problems, std::string_view json) {
    if (outcome.rejected_total++ >= options_.max_rejections_described) return;
    outcome.rejected.emplace_back(index, problems);
    std::string line;
    write_rejection_line(index, problems, json, line);
    line.pop_back();  // no newline on the bus
    outcome.rejected_lines.push_back(std::move(line));
  };
  auto parser = take_parser();
  Record record;
  ValidationErrors errors;
  double now = clock_();
  outcome.received = now;
  outcome.request_bytes = body.size();
  auto take = [&](std::size_t index, std::string_view json) {
    if (parser->parse_in_place(json, static_cast<std::size_t>(end_of_buffer - json.data()), now,
                               RecordSource::external, record, errors)) {
      // Kept as a view of the request when its text can go out as is; written anew
      // otherwise. seq and ingest_ts are added when it is published.
      auto& a = outcome.accepted.emplace_back();
      a.index = index;
      a.rejected_before = outcome.rejected_total;
      a.key = std::string(record.partition_key());
      if (record.raw_reusable) {
        a.raw = json;
        a.add_data_type = !record.data_type_given;
      } else {
        write_record(record, a.rewritten);
      }
    } else {
      reject(index, errors, json);
    }
  };

  bool single = false;
  if (ndjson) {
    std::size_t index = 0, pos = 0;
    while (pos <= text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) take(index, line);
      ++index;
      pos = nl + 1;
    }
  } else if (text[first] == '[') {
    od::parser array_parser;
    od::document doc;
    od::array array;
    auto e = array_parser.iterate(padded.data(), body.size(), padded.size()).get(doc);
    const bool iterated = !e;  // the document has a position only when iteration started
    if (!e) e = doc.get_array().get(array);
    std::size_t index = 0;
    if (!e) {
      for (auto element : array) {
        od::value v;
        if ((e = std::move(element).get(v))) break;
        od::json_type t;
        if ((e = v.type().get(t))) break;
        if (t != od::json_type::object) {
          reject(index, ValidationErrors{{whole_record, "expected a JSON object"}}, v.raw_json_token());
          // skip the value: On Demand moves past it when the loop advances
        } else {
          od::object obj;
          std::string_view raw;
          if ((e = v.get_object().get(obj))) break;
          if ((e = obj.raw_json().get(raw))) break;
          take(index, raw);
        }
        ++index;
      }
    }
    if (e) {
      give_back(std::move(parser));
      const char* at = nullptr;
      std::string where;
      if (iterated && doc.current_location().get(at) == simdjson::SUCCESS) {
        where = fmt::format(" at byte {}", at - padded.data());
      }
      return error_response(400, fmt::format("body is not valid JSON{}: {}", where, simdjson::error_message(e)));
    }
  } else if (text[first] == '{') {
    single = true;
    take(0, text);
  } else {
    give_back(std::move(parser));
    return error_response(400, fmt::format("body is not valid JSON at byte {}: expected an object '{{', an array '[' or "
                                           "NDJSON (Content-Type: application/x-ndjson)",
                                           first));
  }
  give_back(std::move(parser));
  return publish(outcome, single);
}

HttpResponse IngestHandler::publish(Outcome& outcome, bool single) {
  std::size_t published = 0;
  std::uint64_t mark = 0;
  std::uint64_t failed_before = 0;
  // MemoryBus has the records once they are published; its counters() walks every topic.
  const bool wait_for_acks = options_.ack_wait.count() > 0 && !bus_.stores_on_publish();
  {
    std::lock_guard lock(publish_mu_);
    if (wait_for_acks) failed_before = bus_.counters().failed;
    // Number the accepted records in the order they go out (closing each one's JSON),
    // then publish them as one batch.
    std::string received;
    json::append_number(received, outcome.received);
    if (seq_store_ && !reserve_seq(outcome)) {
      HttpResponse r = error_response(503, "cannot record sequence numbers durably; retry later");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    // Every outgoing record goes into one buffer, sized up front: no allocation per record.
    std::size_t room = 0;
    for (const auto& a : outcome.accepted) room += (a.raw.empty() ? a.rewritten.size() : a.raw.size()) + 96;
    std::string out;
    out.reserve(room);
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, length in `out`
    spans.reserve(outcome.accepted.size());
    for (auto& a : outcome.accepted) {
      std::size_t start = out.size();
      std::string_view text = a.raw.empty() ? std::string_view(a.rewritten) : a.raw;
      while (!text.empty() && text.back() != '}') text.remove_suffix(1);
      text.remove_suffix(1);
      out += text;
      if (a.add_data_type) out += ",\"data_type\":\"stock\"";
      out += ",\"seq\":";
      json::append_number(out, ++entry_for(seq_, a.key).last);
      out += ",\"ingest_ts\":";
      out += received;
      out += '}';
      spans.emplace_back(start, out.size() - start);
    }
    std::vector<OutgoingRecord> batch;
    batch.reserve(spans.size());
    for (std::size_t i = 0; i < spans.size(); ++i) {
      batch.push_back({outcome.accepted[i].key, std::string_view(out).substr(spans[i].first, spans[i].second)});
    }
    published = bus_.publish_batch(options_.validated_topic, batch, options_.publish_wait);
    mark = bus_.publish_mark();
    // Journaled in the order published (under the same lock), only what the bus took.
    if (options_.journal && published > 0) {
      if (auto s = options_.journal->append(std::span(batch).first(published)); !s.ok) {
        named_logger("ingest")->error("{}", s.message);
        unacknowledged_.fetch_add(published);
        HttpResponse r = error_response(503, "cannot make the records durable (the ingest journal); retry them: "
                                             "some may arrive twice, with new seq numbers");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
    }
    // Records not taken were not acknowledged: give their numbers back so the retry gets them.
    for (std::size_t i = outcome.accepted.size(); i > published; --i) --entry_for(seq_, outcome.accepted[i - 1].key).last;
  }
  // "Accepted" is a promise: keep it only once the bus has the records (outside the lock,
  // so other requests are numbered and sent meanwhile).
  if (published > 0 && wait_for_acks) {
    std::size_t left = bus_.flush_to(mark, options_.ack_wait);
    if (left > 0 || bus_.counters().failed > failed_before) {
      unacknowledged_.fetch_add(published);
      HttpResponse r = error_response(
          503, fmt::format("the bus did not acknowledge the records within {} ms ({} still pending); retry them: "
                           "some may arrive twice, with new seq numbers",
                           options_.ack_wait.count(), left));
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  accepted_.fetch_add(published);

  // Rejections are reported to the client in any case; the bus copy is best effort.
  std::size_t first_unpublished_index =
      published < outcome.accepted.size() ? outcome.accepted[published].index : SIZE_MAX;
  std::string rejected_json;
  std::size_t reported = 0;
  for (std::size_t i = 0; i < outcome.rejected.size(); ++i) {
    const auto& [index, errors] = outcome.rejected[i];
    if (index >= first_unpublished_index) break;  // resent with the retry, reported then
    // The answer stays a small multiple of the request: past the budget, counted only.
    if (rejected_json.size() > std::max<std::size_t>(4 * outcome.request_bytes, min_answer_budget)) break;
    ++reported;
    if (bus_.publish(options_.rejected_topic, "", outcome.rejected_lines[i], options_.publish_wait) != PublishStatus::ok) {
      rejected_unpublished_.fetch_add(1);
    }
    if (!rejected_json.empty()) rejected_json += ',';
    rejected_json += "{\"index\":";
    json::append_number(rejected_json, static_cast<std::uint64_t>(index));
    rejected_json += ',';
    append_rejection_fields(rejected_json, errors);
    rejected_json += '}';
    std::lock_guard lock(metrics_mu_);
    ++rejected_by_field_[errors.front().field];
  }
  // Rejections past the described ones: counted in the answer, on the bus as one line.
  const std::size_t rejected_total =
      published < outcome.accepted.size() ? outcome.accepted[published].rejected_before : outcome.rejected_total;
  const std::size_t undescribed = rejected_total - reported;
  if (undescribed > 0) {
    std::string line = fmt::format(
        "{{\"line\":null,\"field\":\"(request)\",\"reason\":\"{} more rejected records of this request are counted, not "
        "described (ingest describes the first {})\",\"count\":{}}}",
        undescribed, options_.max_rejections_described, undescribed);
    if (bus_.publish(options_.rejected_topic, "", line, options_.publish_wait) != PublishStatus::ok) {
      rejected_unpublished_.fetch_add(1);
    }
    std::lock_guard lock(metrics_mu_);
    rejected_by_field_["(not described)"] += undescribed;
  }
  rejected_.fetch_add(rejected_total);

  std::string body = fmt::format("{{\"accepted\":{}", published);
  if (!rejected_json.empty()) body += ",\"rejected\":[" + rejected_json + "]";
  if (undescribed > 0) {
    body += fmt::format(",\"rejected_count\":{},\"rejections_not_described\":{}", rejected_total, undescribed);
  }
  if (first_unpublished_index != SIZE_MAX) {
    body += fmt::format(",\"retry_from_index\":{},\"error\":\"bus full: records from index {} on were not taken; "
                        "retry them after Retry-After seconds\"}}",
                        first_unpublished_index, first_unpublished_index);
    HttpResponse r = json_response(503, std::move(body));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  body += '}';
  // One object that was rejected is a client error; in a batch the per-record answers
  // carry the rejections and the request itself succeeded (207-style).
  return json_response(single && published == 0 ? 400 : 200, std::move(body));
}

// Makes sure every seq this request will hand out lies under a durable ceiling, writing
// new ceilings (a block per symbol at a time) in one transaction. Called under publish_mu_.
bool IngestHandler::reserve_seq(const Outcome& outcome) {
  std::map<std::string, std::uint64_t> needed;  // key → highest seq this request takes
  for (const auto& a : outcome.accepted) {
    auto& n = needed[a.key];
    n = (n == 0 ? entry_for(seq_, a.key).last : n) + 1;
  }
  std::vector<StateStore::Entry> raise;
  std::vector<std::pair<SeqState*, std::uint64_t>> ceilings;
  for (const auto& [key, highest] : needed) {
    SeqState& s = entry_for(seq_, key);
    if (highest <= s.reserved) continue;
    std::uint64_t ceiling = highest + options_.seq_block;
    ceilings.emplace_back(&s, ceiling);
    raise.push_back({key, ceiling, {}});
  }
  if (raise.empty()) return true;
  if (auto status = seq_store_->save(raise); !status.ok) {
    named_logger("ingest")->error("{}", status.message);
    return false;
  }
  for (auto& [state, ceiling] : ceilings) state->reserved = ceiling;
  return true;
}

std::string IngestHandler::metrics_text() {
  std::string out;
  auto c = bus_.counters();
  out += "# HELP tickflow_ingest_records_total Records received, by outcome.\n# TYPE tickflow_ingest_records_total counter\n";
  out += fmt::format("tickflow_ingest_records_total{{outcome=\"accepted\"}} {}\n", accepted_.load());
  out += fmt::format("tickflow_ingest_records_total{{outcome=\"rejected\"}} {}\n", rejected_.load());
  out += "# HELP tickflow_ingest_rejected_total Rejected records by the first field at fault.\n"
         "# TYPE tickflow_ingest_rejected_total counter\n";
  std::lock_guard lock(metrics_mu_);
  for (const auto& [field, n] : rejected_by_field_) {
    std::string label;
    json::append_string(label, field);
    out += fmt::format("tickflow_ingest_rejected_total{{field={}}} {}\n", label, n);
  }
  out += "# HELP tickflow_ingest_rejected_unpublished_total Rejections answered but not copied to the rejected topic.\n"
         "# TYPE tickflow_ingest_rejected_unpublished_total counter\n";
  out += fmt::format("tickflow_ingest_rejected_unpublished_total {}\n", rejected_unpublished_.load());
  out += "# HELP tickflow_ingest_unacknowledged_total Records published but not acknowledged by the bus in time (answered 503).\n"
         "# TYPE tickflow_ingest_unacknowledged_total counter\n";
  out += fmt::format("tickflow_ingest_unacknowledged_total {}\n", unacknowledged_.load());
  out += "# HELP tickflow_ingest_requests_total HTTP requests by status.\n# TYPE tickflow_ingest_requests_total counter\n";
  for (const auto& [status, n] : requests_by_status_) {
    out += fmt::format("tickflow_ingest_requests_total{{status=\"{}\"}} {}\n", status, n);
  }
  out += "# HELP tickflow_ingest_request_seconds Time to handle a request.\n# TYPE tickflow_ingest_request_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < latency_buckets_.size(); ++i) {
    cumulative += latency_counts_[i];
    out += fmt::format("tickflow_ingest_request_seconds_bucket{{le=\"{}\"}} {}\n", latency_buckets_[i], cumulative);
  }
  cumulative += latency_counts_.back();
  out += fmt::format("tickflow_ingest_request_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("tickflow_ingest_request_seconds_sum {}\ntickflow_ingest_request_seconds_count {}\n", latency_sum_, cumulative);
  PrometheusText bus;
  append_bus_metrics(bus, c);
  out += bus.text();
  return out;
}

}  // namespace tickflow
