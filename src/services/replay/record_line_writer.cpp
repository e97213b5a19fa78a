#include "src/services/replay/record_line_writer.hpp"

#include <cerrno>
#include <cstring>

#include "src/services/replay/replay_pipeline.hpp"

namespace tickflow {

void ReplayBlock::analyse(ReplayPipeline& pipeline, std::string_view line, std::uint64_t line_no, ReplayOutput& out,
                          std::size_t readable) {
  if (count == records.size()) {
    records.emplace_back();
    lines.emplace_back();
  }
  if (pipeline.analyse(line, line_no, out, readable, records[count])) lines[count++] = line;
}

RecordLineWriter::RecordLineWriter(std::FILE* to, std::size_t write_bytes)
    : to_(to), write_bytes_(write_bytes), thread_([this] { run(); }) {}

RecordLineWriter::~RecordLineWriter() { finish(); }

ReplayBlock& RecordLineWriter::take(ReplayBlock& block) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !block.with_writer; });
  block.count = 0;
  return block;
}

void RecordLineWriter::give(ReplayBlock& block) {
  {
    std::lock_guard lock(mu_);
    block.with_writer = true;
    queue_.push_back(&block);
  }
  changed_.notify_all();
}

bool RecordLineWriter::ok() const {
  std::lock_guard lock(mu_);
  return ok_;
}

bool RecordLineWriter::finish() {
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  return ok_;
}

void RecordLineWriter::run() {
  bool writing = true;  // until a write fails; then blocks are only handed back
  auto write_out = [&] {
    if (writing && !text_.empty() && std::fwrite(text_.data(), 1, text_.size(), to_) != text_.size()) {
      writing = false;
      error_ = std::strerror(errno);  // this thread's errno
    }
    text_.clear();
  };
  for (;;) {
    ReplayBlock* block = nullptr;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) break;  // finishing, and everything given is written
      block = queue_.front();
      queue_.pop_front();
    }
    for (std::size_t i = 0; writing && i < block->count; ++i) {
      ReplayPipeline::write_accepted(block->records[i], block->lines[i], text_);
      if (text_.size() >= write_bytes_) write_out();
    }
    {
      std::lock_guard lock(mu_);
      block->with_writer = false;
      ok_ = writing;
    }
    changed_.notify_all();
  }
  write_out();
  std::lock_guard lock(mu_);
  ok_ = writing;
}

}  // namespace tickflow
