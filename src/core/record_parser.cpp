// RecordParser: the API and the general walk, which reads a record of any shape member by
// member (straight from the bytes for the common flat shape, else with simdjson), captures
// the schema's fields and names every problem; then the rules (record_rules.cpp). Valid
// ticks in a known layout take the tick path first (record_tick_path.cpp).
#include "src/core/record_parser_impl.hpp"

namespace tickflow {

static_assert(record_padding >= simdjson::SIMDJSON_PADDING);

RecordParser::RecordParser(ValidationLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
RecordParser::~RecordParser() = default;
RecordParser::RecordParser(RecordParser&&) noexcept = default;
RecordParser& RecordParser::operator=(RecordParser&&) noexcept = default;

const ValidationLimits& RecordParser::limits() const noexcept { return impl_->limits; }

void RecordParser::set_flat_path(bool on) noexcept { impl_->flat_path = on; }

std::uint64_t RecordParser::tick_path_reads() const noexcept { return impl_->tick_path_reads; }

bool RecordParser::parse(std::string_view json, double now, RecordSource source, Record& out,
                         ValidationErrors& errors) {
  return impl_->parse(json, 0, now, source, out, errors);
}

bool RecordParser::parse_in_place(std::string_view json, std::size_t capacity, double now, RecordSource source,
                                  Record& out, ValidationErrors& errors) {
  return impl_->parse(json, capacity, now, source, out, errors);
}

bool RecordParser::Impl::parse(std::string_view json, std::size_t capacity, double now, RecordSource source,
                               Record& out, ValidationErrors& errors) {
  errors.clear();
  errors_ = &errors;
  doc_ = nullptr;
  if (json.size() > limits.max_record_bytes) {
    fail(whole_record, fmt::format("record is {} bytes; the limit is {} bytes", json.size(),
                                   limits.max_record_bytes));
    return false;
  }
  // A valid tick in the layout of the last one is read and checked in one pass; anything
  // else (or anything wrong) goes on below, which finds and names every problem.
  if (flat_path && read_tick(json, now, source, out)) return true;
  if (!starts_object(json)) return false;
  f.reset();
  out.extras.clear();
  extra_names.clear();
  scratch.clear();
  // The common shape is read straight from the bytes; anything else (or anything wrong)
  // goes the general way, which reads every shape and says what is wrong.
  if (!flat_path || !walk_flat(json)) {
    f.reset();
    if (!walk_members(json, capacity, out)) return false;
  }
  if (!finish(now, source, out)) return false;
  if (flat_path) learn_tick_layout(source, out, json);
  return true;
}


// Reads the members with simdjson On Demand into `f` (schema fields) and out.extras (the
// rest). Returns false when the JSON itself is broken: parsing cannot go on.
bool RecordParser::Impl::walk_members(std::string_view json, std::size_t capacity, Record& out) {
  const char* buf = json.data();
  if (capacity < json.size() + record_padding) {
    std::memcpy(padded.data(), json.data(), json.size());
    std::memset(padded.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    buf = padded.data();
    capacity = padded.size();
  }
  start_ = buf;

  od::document doc;
  if (auto e = parser.iterate(buf, json.size(), capacity).get(doc)) {
    fail_json(e, "");
    return false;
  }
  doc_ = &doc;
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    fail_json(e, "");
    return false;
  }

  // One walk over the members. data_type decides which fields belong to the record and
  // may come last, so values are captured first and classified after.
  for (auto member : obj) {
    if (auto e = member.error()) {
      fail_json(e, "");
      return false;
    }
    // Used in place: copying simdjson's field and value objects (as get() and a value
    // variable do) stalled on store forwarding and cost more than reading the member.
    od::field& field = member.value_unsafe();
    std::string_view key = plain_key(field);
    if (key.data() == nullptr) {  // has escapes: let simdjson decode them
      if (auto e = field.unescaped_key().get(key)) {
        fail_json(e, " in a member name");
        return false;
      }
    }
    if (key.size() > 128) {
      fail(std::string(key.substr(0, 32)) + "...",
           fmt::format("member name is {} bytes; at most 128 are allowed", key.size()));
      return false;
    }
    od::value& v = field.value();
    FieldId id = lookup_field(key);
    if (id == FieldId::extra) {
      if (!add_extra(key, out)) return false;
      if (!copy_value(v, out.extras, 1)) return false;
      if (out.extras.size() > limits.max_extra_bytes) {
        fail(key, fmt::format("members the schema does not define take more than {} bytes", limits.max_extra_bytes));
        return false;
      }
      continue;
    }
    if (f.seen[index(id)]) {
      fail(key, "appears more than once in the record");
      continue;
    }
    f.mark_seen(id);
    if (!capture(id, v)) return false;
  }
  // On Demand stops after the object; anything still ahead is text after it.
  if (auto loc = doc.current_location(); loc.error() != simdjson::OUT_OF_BOUNDS) {
    const char* at = nullptr;
    std::size_t offset = std::move(loc).get(at) == simdjson::SUCCESS ? static_cast<std::size_t>(at - start_) : json.size();
    fail(whole_record, fmt::format("unexpected text after the JSON object at byte {}", offset));
    return false;
  }
  doc_ = nullptr;  // goes with this frame
  return true;
}

// Reads a flat record of plain members (src/core/flat_json.hpp) into `f`. Returns false,
// with nothing reported, for any other shape or member: unknown or repeated names, which
// the general walk handles and reports.
bool RecordParser::Impl::walk_flat(std::string_view json) {
  const bool read = read_flat_object(json, {hint_names.data(), hint_count}, [this](const FlatMember& m) {
    FieldId id = m.hint >= 0 ? static_cast<FieldId>(hint_names[static_cast<std::size_t>(m.hint)] - flat_names.data())
                             : lookup_field(m.key);
    if (id == FieldId::extra || f.seen[index(id)]) return false;
    f.mark_seen(id);
    Captured& c = f.raw[index(id)];
    switch (m.kind) {
      case FlatMember::Kind::number:
        c.kind = Kind::number;
        c.number = m.number;
        c.text = {};
        break;
      case FlatMember::Kind::string:
        c.kind = Kind::string;
        c.text = m.text;
        break;
      case FlatMember::Kind::null:
        c.kind = Kind::null;
        c.text = "null";
        break;
    }
    return true;
  });
  if (read) {  // the next record likely has this one's layout
    hint_count = f.present_count;
    for (std::size_t k = 0; k < hint_count; ++k) hint_names[k] = &flat_names[index(f.present[k])];
  }
  return read;
}

// Classifies what the walk captured against data_type, checks the schema's rules and
// fills `out`.
bool RecordParser::Impl::finish(double now, RecordSource source, Record& out) {
  DataType type = DataType::stock;
  if (f.seen[index(FieldId::data_type)]) {
    const Captured& dt = f.raw[index(FieldId::data_type)];
    if (dt.kind != Kind::string) {
      fail("data_type", fmt::format("must be a JSON string, got {}", kind_name(dt.kind)));
      return false;
    }
    auto parsed = parse_data_type(dt.text);
    if (!parsed) {
      fail("data_type", fmt::format("unknown data_type {}; expected one of {}", quoted(dt.text), data_type_names));
      return false;
    }
    type = *parsed;
    f.usable[index(FieldId::data_type)] = true;
  }
  for (std::size_t k = 0; k < f.present_count; ++k) {
    FieldId id = f.present[k];
    if (id == FieldId::data_type) continue;
    if (!belongs_to(id, type)) {
      // A schema field of another data_type: passes through like an unknown member.
      if (!add_extra(name(id), out)) return false;
      append_captured(id, out.extras);
      continue;
    }
    if (is_pipeline_field(id) && source == RecordSource::external) {
      fail(name(id), fmt::format("{} is assigned by tickflow and must not be sent in the input", name(id)));
      continue;
    }
    accept(id);
  }
  if (out.extras.size() > limits.max_extra_bytes) {
    fail(whole_record, fmt::format("members the schema does not define take more than {} bytes", limits.max_extra_bytes));
    return false;
  }
  // Wrong types found above do not stop the rule checks: the user sees every problem.
  check_rules(type, now, source);
  if (!errors_->empty()) return false;
  fill(type, out);
  return true;
}

// Checks an extra member's name (duplicates, count) and writes `"key":` to the extras.
bool RecordParser::Impl::add_extra(std::string_view key, Record& out) {
  for (auto seen_name : extra_names) {
    if (seen_name == key) {
      fail(key, "appears more than once in the record");
      return false;
    }
  }
  if (extra_names.size() >= limits.max_extra_fields) {
    fail(key, fmt::format("more than {} members that the schema does not define", limits.max_extra_fields));
    return false;
  }
  extra_names.push_back(key);
  if (!out.extras.empty()) out.extras += ',';
  json::append_string(out.extras, key);
  out.extras += ':';
  return true;
}

void RecordParser::Impl::append_captured(FieldId id, std::string& out) const {
  const Captured& c = f.raw[index(id)];
  switch (c.kind) {
    case Kind::string: json::append_string(out, c.text); break;
    case Kind::number: json::append_number(out, c.number); break;  // same value, shortest spelling
    case Kind::object:
    case Kind::array: out.append(scratch, c.composite_begin, c.composite_end - c.composite_begin); break;
    default: out += c.text;
  }
}

// Records a schema field's value as it is. Returns false only when the JSON itself is
// broken (parsing cannot go on); values the field cannot use are judged in accept().
bool RecordParser::Impl::capture(FieldId id, od::value& v) {
  Captured& c = f.raw[index(id)];
  od::json_type t;
  if (auto e = v.type().get(t)) {
    fail_json(e, fmt::format(" in {}", name(id)));
    return false;
  }
  switch (t) {
    case od::json_type::number: {
      // The token's text is needed only for a message or when the field passes through
      // as an extra (append_captured); the common path never asks for it.
      c.text = {};
      const std::string_view token = trim_right(v.raw_json_token());
      auto e = read_number(v, token, c.number);
      if (e == simdjson::NUMBER_ERROR) {
        c.kind = Kind::bad_number;
        c.text = token;
        fail(name(id), fmt::format("{} is not a finite number in double range", c.text.substr(0, 40)));
        return true;
      }
      if (e) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::number;
      return true;
    }
    case od::json_type::string:
      c.kind = Kind::string;
      if (auto e = v.get_string().get(c.text)) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      return true;
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) {
        fail_json(e, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::boolean;
      c.text = b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null); e || !is_null) {
        fail_json(e ? e : simdjson::N_ATOM_ERROR, fmt::format(" in {}", name(id)));
        return false;
      }
      c.kind = Kind::null;
      c.text = "null";
      return true;
    }
    case od::json_type::object:
    case od::json_type::array:
      c.kind = t == od::json_type::object ? Kind::object : Kind::array;
      c.composite_begin = scratch.size();
      if (!copy_value(v, scratch, 1)) return false;
      c.composite_end = scratch.size();
      return true;
  }
  return false;
}

// Judges a captured value against what its field needs (type, length).
void RecordParser::Impl::accept(FieldId id) {
  auto i = index(id);
  const Captured& c = f.raw[i];
  if (c.kind == Kind::bad_number) return;  // already reported
  if (c.kind == Kind::null && nullable(id)) {
    f.is_null[i] = true;
    f.usable[i] = true;
    return;
  }
  if (wants_text(id)) {
    if (c.kind != Kind::string) {
      fail(name(id), fmt::format("must be a JSON string, got {}", kind_name(c.kind)));
    } else if (c.text.size() > limits.max_string_bytes) {
      fail(name(id), fmt::format("is {} bytes long; at most {} are allowed", c.text.size(), limits.max_string_bytes));
    } else {
      f.text[i] = c.text;
      f.usable[i] = true;
    }
    return;
  }
  if (c.kind == Kind::string) {
    fail(name(id), fmt::format("must be a JSON number, got the string {}; send the number without quotes", quoted(c.text)));
  } else if (c.kind != Kind::number) {
    fail(name(id), fmt::format("must be a JSON number, got {}", kind_name(c.kind)));
  } else {
    f.number[i] = c.number;
    f.usable[i] = true;
  }
}

// A record must be an object. Says what the input is instead when it is not, before
// simdjson (which would read "not json" as a broken `null`) gives a less helpful answer.
bool RecordParser::Impl::starts_object(std::string_view json) {
  std::size_t i = json.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) {
    fail(whole_record, "not valid JSON: the record is empty");
    return false;
  }
  char c = json[i];
  if (c == '{') return true;
  std::string_view rest = trim_right(json.substr(i));
  std::string_view kind;
  if (c == '[') kind = "an array";
  else if (c == '"') kind = "a string";
  else if (c == '-' || (c >= '0' && c <= '9')) kind = "a number";
  else if (rest == "true" || rest == "false") kind = "true/false";
  else if (rest == "null") kind = "null";
  if (kind.empty()) {
    fail(whole_record, fmt::format("not valid JSON at byte {}: a record must be a JSON object starting with '{{'", i));
  } else {
    fail(whole_record, fmt::format("expected a JSON object, got {}", kind));
  }
  return false;
}

// Copies any JSON value to `out` in compact form, checking it fully (On Demand checks only
// what is read, and pass-through values must be valid JSON when written again).
bool RecordParser::Impl::copy_value(od::value& v, std::string& out, std::size_t depth) {
  if (depth > limits.max_depth) {
    fail(whole_record, fmt::format("JSON nested deeper than {} levels", limits.max_depth));
    return false;
  }
  od::json_type t;
  if (auto e = v.type().get(t)) {
    fail_json(e, "");
    return false;
  }
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return fail_json(e, ""), false;
      out += '{';
      bool first = true;
      for (auto member : o) {
        od::field field;
        std::string_view key;
        if (auto e = std::move(member).get(field)) return fail_json(e, ""), false;
        if (auto e = field.unescaped_key().get(key)) return fail_json(e, ""), false;
        if (!first) out += ',';
        first = false;
        json::append_string(out, key);
        out += ':';
        od::value inner = field.value();
        if (!copy_value(inner, out, depth + 1)) return false;
      }
      out += '}';
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return fail_json(e, ""), false;
      out += '[';
      bool first = true;
      for (auto element : a) {
        od::value inner;
        if (auto e = std::move(element).get(inner)) return fail_json(e, ""), false;
        if (!first) out += ',';
        first = false;
        if (!copy_value(inner, out, depth + 1)) return false;
      }
      out += ']';
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail_json(e, ""), false;
      json::append_string(out, s);
      return true;
    }
    case od::json_type::number: {
      std::string_view token = trim_right(v.raw_json_token());
      double d;
      if (read_number(v, token, d) != simdjson::SUCCESS) {
        fail(whole_record, fmt::format("{} is not a finite number in double range", token.substr(0, 40)));
        return false;
      }
      out += token;
      return true;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return fail_json(e, ""), false;
      out += b ? "true" : "false";
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null); e || !is_null) {
        fail_json(e ? e : simdjson::N_ATOM_ERROR, "");
        return false;
      }
      out += "null";
      return true;
    }
  }
  return false;
}

}  // namespace tickflow
