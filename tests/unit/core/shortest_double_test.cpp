// write_shortest writes what std::to_chars(double) writes, byte for byte: the reference
// every golden file was made with. Checked on values spread over the whole range the
// writers use it for (|v| < 1e16), on decimal-looking values, and on the edges.
#include "src/core/shortest_double.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tickflow::json {
namespace {

std::string ours(double v) {
  char buf[32];
  return {buf, write_shortest(buf, v)};
}

std::string reference(double v) {
  char buf[64];
  return {buf, std::to_chars(buf, buf + sizeof buf, v).ptr};
}

TEST(ShortestDouble, EdgesAreWrittenAsToCharsWritesThem) {
  std::vector<double> values = {0.0, -0.0, 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 1.5, 100, 1000, 1e5, 1e6, 123456,
                                1234567, 1e15, 9.999999999999998e15, 1e-4, 1e-5, 1.5e-5, 0.001, 0.00012345,
                                5e-324, std::numeric_limits<double>::min(), 2.5e-308, 1e-300, 141.32, 187.12,
                                1735689604.829, 174.96749999999997, 51.23137501987552, 4460, 9007199254740992.0};
  for (double v : values) EXPECT_EQ(ours(v), reference(v)) << v;
}

TEST(ShortestDouble, RandomBitsOverTheWholeRangeMatchToChars) {
  std::mt19937_64 rng(5);
  int checked = 0;
  for (int i = 0; i < 300000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v) || std::fabs(v) >= 1e16) continue;
    ASSERT_EQ(ours(v), reference(v)) << "bits " << bits;
    ++checked;
  }
  EXPECT_GT(checked, 100000);
}

TEST(ShortestDouble, PricesAndIndicatorLikeValuesMatchToChars) {
  // Short decimals (prices), their running sums divided (averages), ratios (RSI), and
  // powers of ten around every exponent where plain and exponent forms trade places.
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> price(0.01, 5000);
  for (int i = 0; i < 200000; ++i) {
    double p = std::round(price(rng) * 100) / 100;
    double avg = (p + std::round(price(rng) * 100) / 100 + 0.01) / 3;
    double ratio = 100 - 100 / (1 + p / (avg + 1));
    for (double v : {p, avg, ratio, p * 1e-7, avg * 1e9, -p}) ASSERT_EQ(ours(v), reference(v)) << v;
  }
  for (int e = -30; e <= 15; ++e) {
    for (double m : {1.0, 1.5, 9.99, 123.0, 1.2345678901234567}) {
      double v = m * std::pow(10.0, e);
      if (std::fabs(v) < 1e16) {
        EXPECT_EQ(ours(v), reference(v)) << v;
      }
    }
  }
}

}  // namespace
}  // namespace tickflow::json
