// libFuzzer target for alarms read off alarm_topic (open to any producer): parse_alarm on
// any input; an accepted alarm must compose into a mail whose header lines cannot be
// broken by its text (every CRLF in the headers starts a folded continuation), and into a
// webhook body that parses as JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "src/core/alarm_parser.hpp"
#include "src/services/notify/alarm_mail.hpp"
#include "src/services/notify/webhook_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tickflow::Alarm alarm;
  tickflow::ValidationErrors errors;
  if (!tickflow::parse_alarm(input, alarm, errors)) {
    if (errors.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  const tickflow::Alarm alarms[] = {alarm, alarm};
  for (std::size_t n : {1u, 2u}) {
    auto mail = tickflow::compose_mail(std::span(alarms, n), "http://127.0.0.1:5678");
    std::string message = tickflow::render_mail(mail, {}, 1767225600);
    std::string_view headers = std::string_view(message).substr(0, message.find("\r\n\r\n"));
    for (std::size_t at = headers.find("\r\n"); at != std::string_view::npos; at = headers.find("\r\n", at + 2)) {
      char next = headers[at + 2];
      // The next header line starts with a known name, or it is a folded continuation.
      if (next != ' ' && headers.substr(at + 2, 3) != "To:" && headers.substr(at + 2, 8) != "Subject:" &&
          headers.substr(at + 2, 5) != "Date:" && headers.substr(at + 2, 11) != "Message-ID:" &&
          headers.substr(at + 2, 13) != "MIME-Version:" && headers.substr(at + 2, 18) != "X-Tickflow-Alarms:" &&
          headers.substr(at + 2, 13) != "Content-Type:") {
        std::abort();
      }
    }
    for (std::size_t i = 0; i < headers.size(); ++i) {
      if (headers[i] == '\n' && (i == 0 || headers[i - 1] != '\r')) std::abort();  // no bare LF
    }
    static simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string body = tickflow::webhook_body(std::span(alarms, n), tickflow::WebhookFormat::tickflow);
    if (parser.parse(body).get(doc)) std::abort();
  }
  return 0;
}
