#include "src/services/notify/file_channel.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "src/core/unix_clock.hpp"

namespace tickflow {

namespace {

std::string errno_text(std::string_view doing, const std::string& path) {
  return fmt::format("{} {}: {}", doing, path, std::strerror(errno));
}

// Writes all of `bytes` and syncs it, so a rename afterwards never exposes a short file.
bool write_synced(const std::string& path, std::string_view bytes, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = errno_text("cannot create", path);
    return false;
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_text("cannot write", path);
      ::close(fd);
      ::unlink(path.c_str());
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) {
    error = errno_text("cannot sync", path);
    ::close(fd);
    ::unlink(path.c_str());
    return false;
  }
  ::close(fd);
  return true;
}

}  // namespace

FileChannel::FileChannel(std::string dir, MailAddresses addresses, std::string dashboard_url)
    : dir_(std::move(dir)), addresses_(std::move(addresses)), dashboard_url_(std::move(dashboard_url)) {
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::filesystem::create_directories(std::filesystem::path(dir_) / sub, ec);
    if (ec) throw std::runtime_error(fmt::format("notify: cannot create mail folder {}/{}: {}", dir_, sub, ec.message()));
  }
}

SendResult FileChannel::send(std::span<const Alarm> alarms) {
  const Mail mail = compose_mail(alarms, dashboard_url_);
  const std::string name = mail_file_name(mail);
  const std::string tmp = (std::filesystem::path(dir_) / "tmp" / name).string();
  const std::string final_path = (std::filesystem::path(dir_) / "new" / name).string();
  std::string error;
  if (!write_synced(tmp, render_mail(mail, addresses_, unix_now()), error)) return SendResult::retry(error);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    error = errno_text("cannot move into place", final_path);
    ::unlink(tmp.c_str());
    return SendResult::retry(error);
  }
  // The rename is durable only once the directory is synced.
  if (int dir = ::open((std::filesystem::path(dir_) / "new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return SendResult::ok(final_path);
}

}  // namespace tickflow
