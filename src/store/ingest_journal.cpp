#include "src/store/ingest_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace tickflow {

namespace {

StoreStatus failed(const std::string& path, std::string_view what) {
  return {false, fmt::format("ingest journal {}: {}: {}", path, what, std::strerror(errno))};
}

}  // namespace

IngestJournal::IngestJournal(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(failed(path_, "cannot open").message);
  struct stat st {};
  if (::fstat(fd_, &st) == 0) bytes_ = static_cast<std::uint64_t>(st.st_size);
}

IngestJournal::~IngestJournal() {
  if (fd_ >= 0) ::close(fd_);
}

StoreStatus IngestJournal::append(std::span<const OutgoingRecord> records) {
  if (records.empty()) return {};
  std::string text;
  std::size_t room = 0;
  for (const auto& r : records) room += r.key.size() + r.payload.size() + 2;
  text.reserve(room);
  for (const auto& r : records) {
    text += r.key;
    text += '\t';
    text += r.payload;
    text += '\n';
  }
  std::lock_guard lock(mu_);
  std::string_view left = text;
  while (!left.empty()) {
    ssize_t n = ::write(fd_, left.data(), left.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A part written stays as a line cut short (or whole lines of this batch): the client
      // was not told 200, resends, and the stages skip by seq what they already applied.
      return failed(path_, "cannot write");
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fdatasync(fd_) != 0) return failed(path_, "cannot sync");
  bytes_ += text.size();
  records_ += records.size();
  return {};
}

StoreStatus IngestJournal::read(const std::function<void(std::string_view key, std::string_view payload)>& each) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return failed(path_, "cannot read");
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no LF after it: a write cut short by a crash
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    each(std::string_view(line).substr(0, tab), std::string_view(line).substr(tab + 1));
    ++n;
  }
  std::lock_guard lock(mu_);
  records_ = n;
  return {};
}

StoreStatus IngestJournal::clear(const std::unique_lock<std::mutex>& held) {
  if (!held.owns_lock() || held.mutex() != &mu_) return {false, "ingest journal: clear() without holding it"};
  if (::ftruncate(fd_, 0) != 0) return failed(path_, "cannot empty");
  if (::fdatasync(fd_) != 0) return failed(path_, "cannot sync");
  bytes_ = 0;
  records_ = 0;
  return {};
}

std::uint64_t IngestJournal::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::uint64_t IngestJournal::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

}  // namespace tickflow
