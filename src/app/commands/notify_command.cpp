#include "src/app/commands/notify_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <unistd.h>

#include "src/app/options.hpp"
#include "src/core/unix_clock.hpp"
#include "src/services/notify/file_channel.hpp"
#include "src/services/notify/mime.hpp"
#include "src/services/notify/smtp_channel.hpp"
#include "src/services/notify/webhook_channel.hpp"
#include "src/store/alarm_outbox.hpp"

namespace tickflow {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

MailAddresses addresses(const Settings& s) {
  MailAddresses a;
  a.from = s.notify.smtp_from;
  a.to = split_list(s.notify.smtp_to);
  return a;
}

}  // namespace

std::string outbox_path(const std::string& data_dir, const std::string& group) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  if (::access(data_dir.c_str(), W_OK | X_OK) != 0) {
    throw std::runtime_error(fmt::format("data dir {} is not writable ({}); the alarm outbox lives there", data_dir,
                                         std::strerror(errno)));
  }
  return (std::filesystem::path(data_dir) / fmt::format("notify-{}.sqlite", group)).string();
}

std::vector<std::unique_ptr<Channel>> make_channels(const Settings& s, const std::string& data_dir) {
  std::vector<std::unique_ptr<Channel>> channels;
  for (const auto& name : split_list(s.notify.channels)) {
    if (name == "file") {
      std::filesystem::path dir(s.notify.file_dir);
      if (dir.is_relative()) dir = std::filesystem::path(data_dir) / dir;
      channels.push_back(std::make_unique<FileChannel>(dir.string(), addresses(s), s.notify.dashboard_url));
    } else if (name == "smtp") {
      SmtpSettings smtp;
      smtp.url = s.notify.smtp_url;
      smtp.security = s.notify.smtp_security;
      smtp.addresses = addresses(s);
      smtp.user = env_or_empty("TICKFLOW_SMTP_USER");
      smtp.password = env_or_empty("TICKFLOW_SMTP_PASSWORD");
      smtp.timeout_ms = static_cast<long>(s.notify.smtp_timeout_ms);
      smtp.dashboard_url = s.notify.dashboard_url;
      channels.push_back(std::make_unique<SmtpChannel>(std::move(smtp)));
    } else if (name == "webhook") {
      WebhookSettings hook;
      hook.url = s.notify.webhook_url;
      hook.format = s.notify.webhook_format == "slack"     ? WebhookFormat::slack
                    : s.notify.webhook_format == "discord" ? WebhookFormat::discord
                                                           : WebhookFormat::tickflow;
      hook.secret = env_or_empty("TICKFLOW_WEBHOOK_SECRET");
      hook.timeout_ms = static_cast<long>(s.notify.webhook_timeout_ms);
      channels.push_back(std::make_unique<WebhookChannel>(std::move(hook)));
    }
  }
  return channels;
}

NotifyOptions notify_options(const Settings& s, const std::string& group) {
  NotifyOptions o;
  o.in_topic = s.topics.alarms;
  o.notifications_topic = s.topics.notifications;
  o.rejected_topic = s.topics.rejected;
  o.group = group;
  o.retry.max_attempts = static_cast<int>(s.notify.max_attempts);
  o.retry.initial_seconds = static_cast<double>(s.notify.retry_initial_ms) / 1000;
  o.retry.max_seconds = static_cast<double>(s.notify.retry_max_ms) / 1000;
  o.retry.dead_letter_permanent = s.notify.dead_letter_permanent;
  o.digest_per_minute = static_cast<std::size_t>(s.notify.digest_per_minute);
  o.digest_interval_seconds = s.notify.digest_interval_seconds;
  o.keep_days = s.notify.keep_days;
  return o;
}

int list_failed_deliveries(const NotifyArgs& args, const Settings& settings) {
  AlarmOutbox outbox(outbox_path(args.data_dir, args.group), split_list(settings.notify.channels));
  for (const auto& c : outbox.counts()) fmt::print("{:<8} {:<8} {}\n", c.channel, c.state, c.count);
  auto dead = outbox.dead(100000);
  if (dead.empty()) {
    fmt::print("no failed deliveries in {}\n", outbox.path());
    return 0;
  }
  fmt::print("\n{} failed deliveries (dead-lettered) in {}:\n", dead.size(), outbox.path());
  fmt::print("{:<32} {:<8} {:>8}  {:<23}  {}\n", "alarm_id", "channel", "attempts", "last attempt", "last error");
  for (const auto& d : dead) {
    fmt::print("{:<32} {:<8} {:>8}  {:<23}  {}\n", d.alarm_id, d.channel, d.attempts, mime::utc_time(d.updated_at),
               d.last_error);
  }
  fmt::print("\nSend them again with: tickflow notify --retry-failed [CHANNEL] --data-dir {}\n", args.data_dir);
  return 0;
}

int retry_failed_deliveries(const NotifyArgs& args, const Settings& settings) {
  AlarmOutbox outbox(outbox_path(args.data_dir, args.group), split_list(settings.notify.channels));
  std::size_t n = outbox.retry_dead(args.retry_channel, unix_now());
  fmt::print("{} failed deliveries{} queued again in {}; a running notifier sends them now, or the next one to start\n",
             n, args.retry_channel.empty() ? "" : " on " + args.retry_channel, outbox.path());
  return 0;
}

}  // namespace tickflow
