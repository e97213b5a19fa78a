// Alarms as .eml files in a maildir-style folder (DIR/tmp, then renamed into DIR/new):
// the default channel of `tickflow run`, so a new user reads real e-mails without a mail
// server. The file is named after the Message-ID, so writing an alarm again replaces
// its file rather than adding a second one. A failed write (disk full) is transient.
#pragma once

#include <string>

#include "src/services/notify/alarm_mail.hpp"
#include "src/services/notify/channel.hpp"

namespace tickflow {

class FileChannel final : public Channel {
 public:
  // Creates DIR/tmp and DIR/new; throws std::runtime_error at start-up when it cannot.
  FileChannel(std::string dir, MailAddresses addresses, std::string dashboard_url);
  std::string_view name() const override { return "file"; }
  SendResult send(std::span<const Alarm> alarms) override;

 private:
  std::string dir_;
  MailAddresses addresses_;
  std::string dashboard_url_;
};

}  // namespace tickflow
