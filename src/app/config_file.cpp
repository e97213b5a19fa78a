#include "src/app/config_file.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "src/app/options.hpp"

namespace tickflow {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key) {
  const OptionSpec* best = nullptr;
  std::size_t best_distance = 4;  // farther than this is not a typo
  for (const auto& spec : option_specs()) {
    std::size_t d = edit_distance(key, spec.key);
    if (d < best_distance) {
      best_distance = d;
      best = &spec;
    }
  }
  return best ? fmt::format(" (did you mean {}?)", best->key) : std::string();
}

OptionValue typed_value(const toml::node& node, const OptionSpec& spec, std::string_view where) {
  if (auto b = node.value_exact<bool>()) return *b;
  if (auto i = node.value_exact<std::int64_t>()) {
    if (spec.default_value.index() == 2) return static_cast<double>(*i);  // 30 for 30.0 is fine
    return *i;
  }
  if (auto d = node.value_exact<double>()) return *d;
  if (auto s = node.value_exact<std::string>()) return *s;
  throw ConfigError(fmt::format("{}: {}: expected {}", where, spec.key, option_type_name(spec.default_value)));
}

// A librdkafka setting's value as the text librdkafka takes.
std::string scalar_text(const toml::node& node, std::string_view where, std::string_view key) {
  if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
  if (auto i = node.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = node.value_exact<double>()) return fmt::format("{}", *d);
  if (auto s = node.value_exact<std::string>()) return *s;
  throw ConfigError(fmt::format("{}: {}: a librdkafka setting must be a string, number or true/false", where, key));
}

void apply_table(const toml::table& table, const std::string& prefix, std::string_view source, Settings& settings) {
  for (auto&& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      apply_table(*sub, key, source, settings);
      continue;
    }
    const OptionSpec* spec = find_option(key);
    auto line = node.source().begin.line;
    std::string where = fmt::format("{}:{}", source, line);
    if (spec == nullptr) {
      if (auto passthrough = librdkafka_key(key)) {
        settings.kafka.librdkafka.emplace_back(std::string(*passthrough), scalar_text(node, where, key));
        continue;
      }
      throw ConfigError(fmt::format("{}: unknown option {}{}", where, key, suggestion(key)));
    }
    OptionValue value = typed_value(node, *spec, where);
    try {
      check_option_value(*spec, value);
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}: {}", where, e.what()));
    }
    spec->apply(settings, value);
  }
}

}  // namespace

void load_config_text(std::string_view text, std::string_view source_name, Settings& settings) {
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column,
                                  e.description()));
  }
  apply_table(table, "", source_name, settings);
}

void load_config_file(const std::string& path, Settings& settings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("cannot read config file {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > (1 << 20)) throw ConfigError(fmt::format("{}: config file larger than 1 MiB", path));
  load_config_text(s, path, settings);
}

}  // namespace tickflow
