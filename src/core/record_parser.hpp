// Parses one JSON object into a Record with simdjson On Demand and validates it against
// docs/schema.md, collecting every problem with the field it concerns. No I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "src/core/record.hpp"
#include "src/core/validation_error.hpp"
#include "src/core/validation_limits.hpp"

namespace tickflow {

// Readable bytes parse_in_place needs after a record's last byte (simdjson's padding).
inline constexpr std::size_t record_padding = 64;

// Where a record comes from. Fields that tickflow assigns (seq, ma, signal, ...) are
// refused from outside, and read back when one stage consumes another's output.
enum class RecordSource { external, pipeline };

// Owns simdjson's parser and a padded copy buffer, reused across calls: one per thread.
class RecordParser {
 public:
  explicit RecordParser(ValidationLimits limits = {});
  ~RecordParser();
  RecordParser(RecordParser&&) noexcept;
  RecordParser& operator=(RecordParser&&) noexcept;

  // Fills `out` from `json` and returns true when the record is valid. Otherwise returns
  // false and `errors` lists every problem found; `out` is then unspecified.
  // `now` (Unix seconds) bounds how far in the future a timestamp may be.
  bool parse(std::string_view json, double now, RecordSource source, Record& out,
             ValidationErrors& errors);

  // The same without copying: `json` lies in a buffer with at least `capacity` readable
  // bytes from json.data(), capacity ≥ json.size() + record_padding. Smaller
  // capacities fall back to a copy.
  bool parse_in_place(std::string_view json, std::size_t capacity, double now, RecordSource source, Record& out,
                      ValidationErrors& errors);

  const ValidationLimits& limits() const noexcept;

  // Whether flat records of plain members are read without simdjson (src/core/flat_json.hpp;
  // on by default). Off, every record takes the general path: the differential tests and
  // the fuzz target compare the two.
  void set_flat_path(bool on) noexcept;
  // Records read by the tick path: a valid stock tick in the layout of the last one, read
  // and checked in one pass (the tests make sure their inputs reach it).
  std::uint64_t tick_path_reads() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickflow
