#include "src/app/thresholds.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "src/app/options.hpp"
#include "src/core/json_writer.hpp"
#include "src/log/named_logger.hpp"

namespace tickflow {

namespace {

constexpr std::size_t max_change_bytes = 16 * 1024;

std::string error_json(std::string_view field, std::string_view reason) {
  std::string out = "{\"error\":";
  json::append_string(out, reason);
  json::append_string_field(out, "field", field);
  return out + "}";
}

// Merges `change` into the object text `saved` (both flat JSON objects of thresholds).
std::string merged(std::string_view saved, std::string_view change) {
  simdjson::dom::parser parser;
  std::map<std::string, std::string> keys;
  for (auto text : {saved, change}) {
    simdjson::dom::object object;
    if (text.empty() || parser.parse(text).get_object().get(object)) continue;
    for (auto [key, value] : object) keys[std::string(key)] = simdjson::to_string(value);
  }
  std::string out = "{";
  for (const auto& [key, value] : keys) {
    if (out.size() > 1) out += ',';
    json::append_string(out, key);
    out += ':';
    out += value;
  }
  return out + "}";
}

}  // namespace

std::optional<std::string> apply_threshold_change(std::string_view change, SignalRules& rules) {
  if (change.size() > max_change_bytes) return fmt::format("(body): at most {} bytes", max_change_bytes);
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (auto error = parser.parse(change).get_object().get(object)) {
    return fmt::format("(body): must be a JSON object of thresholds ({})", simdjson::error_message(error));
  }
  Settings s;
  s.signals = rules;
  for (auto [key, value] : object) {
    const std::string name = fmt::format("signals.{}", std::string_view(key));
    const OptionSpec* spec = find_option(name);
    if (spec == nullptr) return fmt::format("{}: not a threshold (see GET /api/thresholds)", std::string_view(key));
    OptionValue v;
    if (bool b; value.get_bool().get(b) == simdjson::SUCCESS) v = b;
    else if (std::int64_t i; spec->default_value.index() == 1 && value.get_int64().get(i) == simdjson::SUCCESS) v = i;
    else if (double d; value.get_double().get(d) == simdjson::SUCCESS) v = d;
    else if (std::string_view t; value.get_string().get(t) == simdjson::SUCCESS) v = std::string(t);
    else return fmt::format("{}: expected {}", std::string_view(key), option_type_name(spec->default_value));
    try {
      check_option_value(*spec, v);
    } catch (const ConfigError& e) {
      std::string why = e.what();
      return why.substr(std::string_view("signals.").size());
    }
    spec->apply(s, v);
  }
  try {
    check_settings(s);
  } catch (const ConfigError& e) {
    std::string why = e.what();
    for (std::size_t at; (at = why.find("signals.")) != std::string::npos;) why.erase(at, 8);
    return why;
  }
  rules = s.signals;
  return std::nullopt;
}

std::string signal_rules_json(const SignalRules& r) {
  std::string out = "{\"rsi_enabled\":";
  out += r.rsi_enabled ? "true" : "false";
  json::append_number_field(out, "rsi_buy_below", r.rsi_buy_below);
  json::append_number_field(out, "rsi_sell_above", r.rsi_sell_above);
  out += fmt::format(",\"crossover_enabled\":{},\"news_enabled\":{}", r.crossover_enabled, r.news_enabled);
  json::append_number_field(out, "news_threshold", r.news_threshold);
  out += fmt::format(",\"orders_enabled\":{}", r.orders_enabled);
  json::append_number_field(out, "large_order_notional", r.large_order_notional);
  out += fmt::format(",\"valuation_enabled\":{}", r.valuation_enabled);
  json::append_number_field(out, "pe_buy_below", r.pe_buy_below);
  json::append_number_field(out, "pe_sell_above", r.pe_sell_above);
  out += fmt::format(",\"macro_enabled\":{}", r.macro_enabled);
  json::append_string_field(out, "macro_indicator", r.macro_indicator);
  json::append_number_field(out, "macro_buy_above", r.macro_buy_above);
  json::append_number_field(out, "macro_sell_below", r.macro_sell_below);
  json::append_number_field(out, "alarm_cooldown_seconds", r.alarm_cooldown_seconds);
  return out + "}";
}

std::optional<std::string> load_saved_thresholds(Settings& settings, const std::string& data_dir) {
  auto path = std::filesystem::path(data_dir) / "thresholds.json";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (auto error = apply_threshold_change(text.str(), settings.signals)) {
    throw ConfigError(fmt::format("{}: {}; fix or delete the file", path.string(), *error));
  }
  return fmt::format("thresholds changed at run time, from {}: {}", path.string(), text.str());
}

ThresholdsStore::ThresholdsStore(SignalRules current, Bus& bus, std::string control_topic, std::string data_dir)
    : rules_(std::move(current)), bus_(bus), topic_(std::move(control_topic)),
      path_((std::filesystem::path(data_dir) / "thresholds.json").string()) {
  std::ifstream in(path_);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    saved_ = text.str();
  }
}

std::string ThresholdsStore::current_json() const {
  std::lock_guard lock(mutex_);
  return signal_rules_json(rules_);
}

std::pair<int, std::string> ThresholdsStore::change(std::string_view body) {
  std::lock_guard lock(mutex_);
  SignalRules next = rules_;
  if (auto error = apply_threshold_change(body, next)) {
    // "field: reason", or a rule across fields that starts with the field it names.
    auto colon = error->find(": ");
    if (colon != std::string::npos) return {400, error_json(error->substr(0, colon), error->substr(colon + 2))};
    return {400, error_json(error->substr(0, error->find(' ')), *error)};
  }
  // The signal service applies it from the control topic: every signal process sees it,
  // whichever runs where.
  if (bus_.publish(topic_, "thresholds", body, std::chrono::seconds(2)) != PublishStatus::ok ||
      bus_.flush(std::chrono::seconds(5)) != 0) {
    return {503, error_json("bus", "the change could not be sent to the signal service; nothing changed")};
  }
  rules_ = next;
  saved_ = merged(saved_, body);
  std::ofstream out(path_ + ".tmp", std::ios::trunc);
  out << saved_;
  out.close();
  if (!out || std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0) {
    named_logger("dashboard")->warn("thresholds applied but not saved to {}: they last until the restart", path_);
  }
  named_logger("dashboard")->info("thresholds changed: {}", body);
  return {200, fmt::format("{{\"applied\":{},\"rules\":{}}}", body, signal_rules_json(rules_))};
}

}  // namespace tickflow
