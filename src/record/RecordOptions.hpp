// What ARIADNE_RECORD_OPTIONS asks of the recorder: newline-separated lines
// written by `ariadne record` (which validated them; the runtime still
// refuses a bad line with one message rather than recording something else).
//   F <regex>            record only matching functions (repeatable; none: all)
//   N <regex>            do not record matching functions (after the F lines)
//   D <depth>            record calls at depth < D only (0: no limit)
//   T <ns>               record only calls lasting at least this long
//   A <regex>@<spec>     capture arguments: argN[/fmt], fpargN (1-based)
//   R <regex>@retval[/fmt]  capture the return value
//   K dwarf              the A/R lines came from DWARF (`record -a`): readers
//                        format the values by the functions' DWARF types
//   S <bytes>            segment file size
//   P fused|generic      the per-call path of a plain recording (default fused)
//   E off                leave the environment out of the process files
//                        (--no-env; the session file leaves it out too)
//   L <n>                live files per thread, 1..2 (default 1; `ariadne record`
//                        drains them and asks for 2: SegmentWriter.cpp)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"

namespace ariadne::record {

// One captured value: which register and how to show it.
struct ValueSpec {
  bool fp = false;         // fpargN / a float return value
  std::uint8_t index = 0;  // 0-based register index
  std::uint8_t kind = 1;   // tracefile::ValueKind
};

inline constexpr std::size_t kMaxCapturedArgs = 8;
// -A/-R rules at most (`record -a` makes two per function of the program).
inline constexpr std::size_t kMaxCaptureRules = 65535;

struct CaptureRule {
  std::string regex;
  bool retval = false;
  std::uint8_t count = 0;
  ValueSpec values[kMaxCapturedArgs];
};

struct RecordOptions {
  std::vector<std::string> include, exclude;
  std::uint32_t max_depth = 0;
  std::uint64_t min_duration_ns = 0;
  std::vector<CaptureRule> captures;
  std::uint32_t segment_bytes = 1u << 20;
  // A plain recording (no -D/-t/-A/-R) runs its calls through the fused
  // path in assembly; false: through the generic dispatcher and handlers.
  bool fused = true;
  std::uint32_t live_files = 1;
  bool store_environment = true;
  bool dwarf_captures = false;  // K dwarf: nothing for the runtime to do
};

// Parses the whole text; on error returns false and says why in `error`.
bool parse_record_options(const char* text, RecordOptions& out, std::string& error);

// One capture spec ("arg1,arg2/s,fparg1" or "retval/x"); used by the CLI to
// validate -A/-R as well.
bool parse_capture_spec(const std::string& spec, bool retval, CaptureRule& rule, std::string& error);

inline constexpr std::uint32_t kMinSegmentBytes = 4096;
// -t at most a day: the conversion to counter ticks cannot overflow.
inline constexpr std::uint64_t kMaxMinDurationNs = 86400ull * 1000000000ull;
inline constexpr std::uint32_t kMaxSegmentBytes = tracefile::kMaxSegmentBytes;  // what readers accept

}  // namespace ariadne::record
