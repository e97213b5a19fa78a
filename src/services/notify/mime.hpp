// The few MIME and HTML encodings an alarm e-mail needs, as pure functions: base64 bodies,
// RFC 2047 encoded-word subjects (UTF-8 text such as "—" and "≤" in a header, and no way
// for a reason to inject a header line), HTML escaping of record text, RFC 5322 dates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tickflow::mime {

// Base64 in lines of 76 characters, each ending in CRLF (RFC 2045).
std::string base64_lines(std::string_view bytes);

// The header value as is when it is printable ASCII, else one or more `=?UTF-8?B?...?=`
// words. Control characters never pass through.
std::string encode_header(std::string_view text);

// `<`, `>`, `&`, `"` and `'` as entities: record text shown in the HTML body stays text.
std::string escape_html(std::string_view text);

// "Thu, 26 Nov 2026 06:47:36 +0000".
std::string rfc5322_date(double unix_seconds);

// "2026-11-26 06:47:36 UTC", for people.
std::string utc_time(double unix_seconds);

// FNV-1a, 64 bits: a stable short digest for ids derived from text (not a security hash).
std::uint64_t fnv1a64(std::string_view bytes);

}  // namespace tickflow::mime
