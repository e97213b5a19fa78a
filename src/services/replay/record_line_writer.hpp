// The second stage of `tickflow replay`: formats the record lines of analysed blocks and
// writes them out on a thread of its own, while the first stage (ReplayPipeline::analyse
// on the caller's thread) reads and analyses the next block. Writing a record line is
// a large share of a replay's work (most of it the shortest text of each indicator value),
// so two stages on two cores replay faster than one. Blocks go
// back and forth: the caller fills one, gives it, takes the other back once written.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "src/core/record.hpp"

namespace tickflow {

class ReplayPipeline;
struct ReplayOutput;

// A block of input and the records analysed from it. The records' line views point into
// `bytes`, so the block is reused only once its lines are written.
struct ReplayBlock {
  std::vector<char> bytes;              // the input, with room around it
  std::vector<Record> records;          // slots, their buffers reused block after block
  std::vector<std::string_view> lines;  // each record's input line
  std::size_t count = 0;                // records analysed into this block
  bool with_writer = false;             // given, not yet written

  // ReplayPipeline::analyse of one line lying in `bytes` (`readable` bytes readable from
  // its start), into the next slot; kept when it has a record line to write.
  void analyse(ReplayPipeline& pipeline, std::string_view line, std::uint64_t line_no, ReplayOutput& out,
               std::size_t readable);
};

class RecordLineWriter {
 public:
  // Writes to `to` in writes of about `write_bytes`.
  RecordLineWriter(std::FILE* to, std::size_t write_bytes);
  ~RecordLineWriter();
  RecordLineWriter(const RecordLineWriter&) = delete;
  RecordLineWriter& operator=(const RecordLineWriter&) = delete;

  // `block` once its lines are written (it may not have been given), emptied for reuse.
  ReplayBlock& take(ReplayBlock& block);
  // Queues block.records[0, count) to be written, in the order given.
  void give(ReplayBlock& block);
  // False once a write has failed (blocks given after that are dropped).
  bool ok() const;
  // Writes everything given and stops; false if a write failed.
  bool finish();
  // Why the write failed (after finish()).
  const std::string& error() const noexcept { return error_; }

 private:
  void run();

  std::FILE* to_;
  std::size_t write_bytes_;
  std::string text_;  // formatted, not yet written (the writer thread's)
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<ReplayBlock*> queue_;
  bool finishing_ = false;
  bool ok_ = true;
  std::string error_;
  std::thread thread_;
};

}  // namespace tickflow
