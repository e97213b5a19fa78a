// The MIME pieces of an alarm e-mail, against the RFCs' own examples.
#include "src/services/notify/mime.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace tickflow::mime {
namespace {

TEST(Mime, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_lines(""), "");
  EXPECT_EQ(base64_lines("f"), "Zg==\r\n");
  EXPECT_EQ(base64_lines("fo"), "Zm8=\r\n");
  EXPECT_EQ(base64_lines("foo"), "Zm9v\r\n");
  EXPECT_EQ(base64_lines("foob"), "Zm9vYg==\r\n");
  EXPECT_EQ(base64_lines("fooba"), "Zm9vYmE=\r\n");
  EXPECT_EQ(base64_lines("foobar"), "Zm9vYmFy\r\n");
}

TEST(Mime, Base64LinesAreAtMost76Characters) {
  std::string out = base64_lines(std::string(1000, 'x'));
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
}

TEST(Mime, HeaderStaysPlainWhenItCanAndIsEncodedWhenNot) {
  EXPECT_EQ(encode_header("BUY AAPL @ 187.42"), "BUY AAPL @ 187.42");
  // "≤" is three bytes of UTF-8: the whole value becomes encoded words.
  std::string encoded = encode_header("RSI 27.9 ≤ 30");
  EXPECT_EQ(encoded, "=?UTF-8?B?UlNJIDI3Ljkg4omkIDMw?=");
}

TEST(Mime, HeaderInjectionIsImpossible) {
  std::string encoded = encode_header("BUY X\r\nBcc: victim@example.com");
  // Only the folding we add ("\r\n " before a continuation word) may contain CRLF.
  for (std::size_t at = encoded.find("\r\n"); at != std::string::npos; at = encoded.find("\r\n", at + 1)) {
    EXPECT_EQ(encoded[at + 2], ' ');
  }
  EXPECT_EQ(encoded.find("Bcc:"), std::string::npos);
}

TEST(Mime, LongUtf8HeadersFoldAtCharacterBoundaries) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "≤≥";
  std::string encoded = encode_header(text);
  EXPECT_NE(encoded.find("\r\n =?UTF-8?B?"), std::string::npos);
  // Every word decodes on its own, which needs whole characters: 45 bytes hold 15 of them.
  for (std::size_t at = encoded.find("=?UTF-8?B?"); at != std::string::npos; at = encoded.find("=?UTF-8?B?", at + 1)) {
    std::size_t end = encoded.find("?=", at + 10);
    EXPECT_LE(end - at + 2, 75u);
  }
}

TEST(Mime, EscapesHtml) {
  EXPECT_EQ(escape_html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

TEST(Mime, DatesAreRfc5322AndUtc) {
  EXPECT_EQ(rfc5322_date(1767225600), "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(utc_time(1767225600.9), "2026-01-01 00:00:00 UTC");
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(Mime, TimesOutsideCalendarRangeAreClampedNotUndefined) {
  // Found by the alarm_parser fuzzer: a timestamp of 3.5e98 seconds.
  EXPECT_EQ(utc_time(3.53451201e98), "9999-12-31 23:59:59 UTC");
  EXPECT_EQ(utc_time(-1e300), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(rfc5322_date(std::numeric_limits<double>::infinity()), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(Mime, Fnv1aMatchesReferenceValues) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace tickflow::mime
