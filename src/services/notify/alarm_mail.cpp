#include "src/services/notify/alarm_mail.hpp"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/services/notify/mime.hpp"

namespace tickflow {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// atext of RFC 5322 that is also safe in a file name; anything else becomes '_'.
std::string id_atoms(std::string_view text, std::size_t max_bytes = 120) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    out += c == ':' ? '.' : keep ? c : '_';
  }
  return out;
}

std::string symbol_link(std::string_view dashboard_url, std::string_view symbol) {
  std::string out(dashboard_url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += "/#/symbol/";
  for (unsigned char c : symbol) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// Indicators to six significant digits, as a person reads them; the exact values travel
// in the alarm JSON (webhook) and on the bus.
std::string optional_text(const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : "not yet (warming up)"; }

// " @ 187.42", or nothing when the rule saw no price (news, macro: price 0).
std::string at_price(double price) { return price != 0 ? " @ " + json::format_number(price) : std::string(); }

void single_bodies(const Alarm& a, std::string_view dashboard_url, Mail& mail) {
  const std::string link = symbol_link(dashboard_url, a.stock_symbol);
  const std::string headline = alarm_headline(a);
  mail.text = fmt::format(
      "{}\r\n\r\n"
      "Reason:    {}\r\n"
      "Source:    {}\r\n"
      "Price:     {}\r\n"
      "RSI:       {}\r\n"
      "EMA:       {}\r\n"
      "MA:        {}\r\n"
      "Time:      {}\r\n"
      "Alarm id:  {}\r\n\r\n"
      "Dashboard: {}\r\n",
      headline, a.reason, a.source, json::format_number(a.price), optional_text(a.rsi), optional_text(a.ema),
      optional_text(a.ma), mime::utc_time(a.timestamp), a.alarm_id, link);
  const char* colour = a.signal == Side::buy ? "#0a7d32" : "#b3261e";
  auto row = [](std::string_view name, std::string_view value) {
    return fmt::format("<tr><th align=\"left\" style=\"padding:2px 12px 2px 0\">{}</th><td>{}</td></tr>\r\n", name,
                       mime::escape_html(value));
  };
  mail.html = fmt::format(
      "<!doctype html>\r\n<html><body style=\"font-family:sans-serif\">\r\n"
      "<h2 style=\"color:{}\">{}</h2>\r\n<table>\r\n{}{}{}{}{}{}{}{}</table>\r\n"
      "<p><a href=\"{}\">Open {} on the dashboard</a></p>\r\n</body></html>\r\n",
      colour, mime::escape_html(headline), row("Reason", a.reason), row("Source", a.source),
      row("Price", json::format_number(a.price)), row("RSI", optional_text(a.rsi)), row("EMA", optional_text(a.ema)),
      row("MA", optional_text(a.ma)), row("Time", mime::utc_time(a.timestamp)), row("Alarm id", a.alarm_id),
      mime::escape_html(link), mime::escape_html(a.stock_symbol));
}

void digest_bodies(std::span<const Alarm> alarms, std::string_view dashboard_url, Mail& mail) {
  mail.text = fmt::format("{} alarms, oldest first. Each line: side, symbol, price, reason, time, [alarm id].\r\n\r\n",
                          alarms.size());
  mail.html = fmt::format(
      "<!doctype html>\r\n<html><body style=\"font-family:sans-serif\">\r\n<h2>{}</h2>\r\n"
      "<table>\r\n<tr><th align=\"left\">Alarm</th><th align=\"left\">Reason</th><th align=\"left\">Time</th>"
      "<th align=\"left\">Id</th></tr>\r\n",
      mime::escape_html(mail.subject));
  for (const auto& a : alarms) {
    mail.text += fmt::format("{}  {}  [{}]\r\n", alarm_headline(a), mime::utc_time(a.timestamp), a.alarm_id);
    mail.html += fmt::format(
        "<tr><td><a href=\"{}\" style=\"color:{}\">{} {}{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\r\n",
        mime::escape_html(symbol_link(dashboard_url, a.stock_symbol)), a.signal == Side::buy ? "#0a7d32" : "#b3261e",
        upper(to_string(a.signal)), mime::escape_html(a.stock_symbol), at_price(a.price),
        mime::escape_html(a.reason), mime::utc_time(a.timestamp), mime::escape_html(a.alarm_id));
  }
  mail.text += fmt::format("\r\nDashboard: {}\r\n", dashboard_url);
  mail.html += fmt::format("</table>\r\n<p><a href=\"{}\">Open the dashboard</a></p>\r\n</body></html>\r\n",
                           mime::escape_html(dashboard_url));
}

}  // namespace

std::string alarm_headline(const Alarm& a) {
  std::string out = fmt::format("{} {}{}", upper(to_string(a.signal)), a.stock_symbol, at_price(a.price));
  if (!a.reason.empty()) out += " — " + a.reason;
  return out;
}

std::string alarm_message_id(std::string_view alarm_id) {
  return fmt::format("<alarm.{}.{:016x}@tickflow>", id_atoms(alarm_id), mime::fnv1a64(alarm_id));
}

Mail compose_mail(std::span<const Alarm> alarms, std::string_view dashboard_url) {
  Mail mail;
  mail.alarms = alarms.size();
  if (alarms.empty()) return mail;
  if (alarms.size() == 1) {
    mail.message_id = alarm_message_id(alarms[0].alarm_id);
    mail.subject = alarm_headline(alarms[0]);
    single_bodies(alarms[0], dashboard_url, mail);
    return mail;
  }
  std::size_t buys = 0;
  std::set<std::string_view> symbols;
  std::uint64_t ids = 0xcbf29ce484222325ull;
  for (const auto& a : alarms) {
    buys += a.signal == Side::buy;
    symbols.insert(a.stock_symbol);
    ids = ids * 31 + mime::fnv1a64(a.alarm_id);
  }
  std::string names;
  for (auto s : symbols) {
    if (names.size() > 60) {
      names += ", …";
      break;
    }
    names += names.empty() ? "" : ", ";
    names += s;
  }
  mail.message_id = fmt::format("<digest.{}.{:016x}@tickflow>", alarms.size(), ids);
  mail.subject = fmt::format("tickflow digest: {} alarms ({} buy, {} sell) — {}", alarms.size(), buys,
                             alarms.size() - buys, names);
  digest_bodies(alarms, dashboard_url, mail);
  return mail;
}

std::string render_mail(const Mail& mail, const MailAddresses& addresses, double date_unix) {
  std::string to;
  for (const auto& address : addresses.to) to += (to.empty() ? "" : ", ") + address;
  const std::string boundary = fmt::format("tickflow-{:016x}", mime::fnv1a64(mail.message_id));
  std::string out = fmt::format(
      "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n"
      "X-Tickflow-Alarms: {}\r\n"
      "Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n",
      addresses.from, to, mime::encode_header(mail.subject), mime::rfc5322_date(date_unix), mail.message_id,
      mail.alarms, boundary);
  out += fmt::format("--{}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                     boundary);
  out += mime::base64_lines(mail.text);
  out += fmt::format("--{}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                     boundary);
  out += mime::base64_lines(mail.html);
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

std::string mail_file_name(const Mail& mail) {
  std::string_view id = mail.message_id;
  if (id.size() > 2 && id.front() == '<') id = id.substr(1, id.find('@') - 1);
  return id_atoms(id, 200) + ".eml";
}

}  // namespace tickflow
