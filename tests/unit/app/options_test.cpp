// The option table drives the config file, flags and config/tickflow.toml: the checked-in
// file equals the generated defaults, and bad files/flags fail naming the option.
#include "src/app/options.hpp"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "src/app/bus_factory.hpp"
#include "src/app/command_line.hpp"
#include "src/app/config_file.hpp"

namespace tickflow {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string config_error(std::string_view toml) {
  Settings s;
  try {
    load_config_text(toml, "test.toml", s);
    check_settings(s);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Options, CheckedInConfigFileListsEveryOptionAtItsDefault) {
  EXPECT_EQ(read(TICKFLOW_SOURCE_DIR "/config/tickflow.toml"), default_config_toml())
      << "run: build/release/tickflow config defaults > config/tickflow.toml";
}

TEST(Options, DefaultFileLoadsToTheBuiltInDefaults) {
  Settings loaded;
  load_config_text(default_config_toml(), "defaults", loaded);
  Settings built_in;
  EXPECT_EQ(loaded.indicators.ma, built_in.indicators.ma);
  EXPECT_EQ(loaded.signals.rsi_buy_below, built_in.signals.rsi_buy_below);
  EXPECT_EQ(loaded.validation.max_record_bytes, built_in.validation.max_record_bytes);
}

TEST(Options, FileValuesApply) {
  Settings s;
  load_config_text("[indicators]\nma_period = 50\n[signals]\nrsi_buy_below = 25\nnews_enabled = false\n", "t", s);
  EXPECT_EQ(s.indicators.ma, 50);
  EXPECT_EQ(s.signals.rsi_buy_below, 25.0);
  EXPECT_FALSE(s.signals.news_enabled);
}

TEST(Options, UnknownKeySuggestsTheNearestOption) {
  EXPECT_EQ(config_error("[signals]\nrsi_buy_belw = 25\n"),
            "test.toml:2: unknown option signals.rsi_buy_belw (did you mean signals.rsi_buy_below?)");
}

TEST(Options, WrongTypeAndOutOfRangeNameTheOption) {
  EXPECT_EQ(config_error("[indicators]\nma_period = \"20\"\n"), "test.toml:2: indicators.ma_period: expected a whole number, got a string");
  EXPECT_EQ(config_error("[indicators]\nma_period = 0\n"),
            "test.toml:2: indicators.ma_period: 0 is out of range; allowed 1 to 100000");
  EXPECT_NE(config_error("[signals]\nrsi_buy_below = 80\n").find("must be below signals.rsi_sell_above"), std::string::npos);
}

TEST(Options, MalformedTomlReportsLine) {
  EXPECT_NE(config_error("[signals\n").find("test.toml:1"), std::string::npos);
}

TEST(Options, FlagTextIsTypedAndRangeChecked) {
  const OptionSpec* spec = find_option("signals.rsi_sell_above");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(std::get<double>(parse_option_text(*spec, "75.5")), 75.5);
  EXPECT_THROW(parse_option_text(*spec, "abc"), ConfigError);
  EXPECT_THROW(parse_option_text(*spec, "101"), ConfigError);
  const OptionSpec* flag = find_option("signals.rsi_enabled");
  EXPECT_EQ(std::get<bool>(parse_option_text(*flag, "false")), false);
  EXPECT_THROW(parse_option_text(*flag, "maybe"), ConfigError);
}

TEST(Options, EveryOptionHasHelpAndAUniqueSectionedKey) {
  std::set<std::string_view> keys;
  for (const auto& spec : option_specs()) {
    EXPECT_FALSE(spec.help.empty()) << spec.key;
    EXPECT_NE(spec.key.find('.'), std::string_view::npos) << spec.key;
    EXPECT_TRUE(keys.insert(spec.key).second) << spec.key;
  }
}

}  // namespace
}  // namespace tickflow

namespace tickflow {
namespace {

TEST(Options, LibrdkafkaSettingsPassThroughFromTheFile) {
  Settings s;
  load_config_text("[kafka]\nbrokers = \"10.1.2.3:9092\"\n\"socket.timeout.ms\" = 30000\n"
                   "\"enable.ssl.certificate.verification\" = false\n\"security.protocol\" = \"SASL_SSL\"\n",
                   "t", s);
  EXPECT_EQ(s.kafka.brokers, "10.1.2.3:9092");
  // toml++ hands keys over sorted; librdkafka does not care about their order.
  std::vector<std::pair<std::string, std::string>> expected = {
      {"enable.ssl.certificate.verification", "false"}, {"security.protocol", "SASL_SSL"}, {"socket.timeout.ms", "30000"}};
  EXPECT_EQ(s.kafka.librdkafka, expected);
  auto o = kafka_options(s.kafka);
  EXPECT_EQ(o.brokers, "10.1.2.3:9092");
  EXPECT_EQ(o.settings, expected);
}

TEST(Options, StringOptionsCheckTheirChoices) {
  EXPECT_EQ(config_error("[bus]\nkind = \"rabbit\"\n"), "test.toml:2: bus.kind: 'rabbit' is not one of memory, kafka");
  EXPECT_EQ(config_error("[kafka]\ncompression = \"brotli\"\n"),
            "test.toml:2: kafka.compression: 'brotli' is not one of none, gzip, snappy, lz4, zstd");
  EXPECT_EQ(config_error("[topics]\nvalidated = \"\"\n"), "test.toml:2: topics.validated: must not be empty");
}

TEST(Options, TopicNamesKeepTheOriginalSystemsNames) {
  Settings s;
  EXPECT_EQ(s.topics.validated, "validated_data");
  EXPECT_EQ(s.topics.processed, "Processed_data");
  EXPECT_EQ(s.topics.alarms, "alarm_topic");
}

TEST(Options, KafkaSettingFlagNeedsKeyEqualsValue) {
  ConfigFlags flags;
  CLI::App app;
  flags.add_to(app);
  // CLI11 takes a vector of arguments last first.
  app.parse(std::vector<std::string>{"novalue", "--kafka-setting"});
  EXPECT_THROW(flags.resolve(), ConfigError);

  ConfigFlags good;
  CLI::App app2;
  good.add_to(app2);
  app2.parse(std::vector<std::string>{"acks=1", "--kafka-setting", "socket.timeout.ms=5000", "--kafka-setting"});
  auto s = good.resolve();
  std::vector<std::pair<std::string, std::string>> expected = {{"socket.timeout.ms", "5000"}, {"acks", "1"}};
  EXPECT_EQ(s.kafka.librdkafka, expected);
}

TEST(Options, BadLibrdkafkaSettingStopsStartUpNamingTheKey) {
  Settings s;
  s.bus.kind = "kafka";
  s.kafka.librdkafka = {{"no.such.setting", "1"}};
  try {
    make_bus(s);
    FAIL() << "accepted an unknown librdkafka setting";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("kafka.no.such.setting"), std::string::npos) << e.what();
  }
}

TEST(Options, MemoryBusIsTheDefault) {
  auto bus = make_bus(Settings{});
  ASSERT_NE(bus, nullptr);
  EXPECT_EQ(bus->publish("t", "k", "v"), PublishStatus::ok);
}

}  // namespace
}  // namespace tickflow

namespace tickflow {
namespace {

TEST(Options, SaslPasswordComesOnlyFromTheEnvironment) {
  KafkaSettings k;
  ::setenv("TICKFLOW_KAFKA_SASL_PASSWORD", "s3cret", 1);
  auto with = kafka_options(k);
  ::unsetenv("TICKFLOW_KAFKA_SASL_PASSWORD");
  auto without = kafka_options(k);
  ASSERT_EQ(with.settings.size(), 1u);
  EXPECT_EQ(with.settings[0], std::make_pair(std::string("sasl.password"), std::string("s3cret")));
  EXPECT_TRUE(without.settings.empty());
}

TEST(Options, DeployExampleConfigIsValid) {
  Settings s;
  load_config_file(TICKFLOW_SOURCE_DIR "/deploy/tickflow.kafka.toml", s);
  check_settings(s);
  EXPECT_EQ(s.bus.kind, "kafka");
  EXPECT_EQ(s.kafka.replication_factor, 3);
}

}  // namespace
}  // namespace tickflow
