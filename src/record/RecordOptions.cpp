#include "record/RecordOptions.hpp"

#include <cstdlib>

#include "ariadne/trace.hpp"
#include "record/ThreadLog.hpp"
#include "tracefile/Format.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using tracefile::ValueKind;

namespace {

bool parse_number(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool parse_format(const std::string& f, ValueKind& kind) {
  if (f == "i" || f == "d")
    kind = ValueKind::int_;
  else if (f == "u")
    kind = ValueKind::uint_;
  else if (f == "x")
    kind = ValueKind::hex;
  else if (f == "s")
    kind = ValueKind::string;
  else if (f == "c")
    kind = ValueKind::char_;
  else if (f == "f")
    kind = ValueKind::float_;
  else if (f == "p")
    kind = ValueKind::pointer;
  else
    return false;
  return true;
}

}  // namespace

bool parse_capture_spec(const std::string& spec, bool retval, CaptureRule& rule, std::string& error) {
  rule.retval = retval;
  rule.count = 0;
  std::size_t at = 0;
  while (at <= spec.size()) {
    std::size_t comma = spec.find(',', at);
    if (comma == std::string::npos) comma = spec.size();
    std::string item = spec.substr(at, comma - at);
    at = comma + 1;
    std::string format;
    if (const std::size_t slash = item.find('/'); slash != std::string::npos) {
      format = item.substr(slash + 1);
      item.resize(slash);
    }
    ValueSpec v;
    ValueKind kind = ValueKind::int_;
    std::uint64_t n = 0;
    if (retval) {
      if (item != "retval") {
        error = "'" + item + "': expected retval[/FMT]";
        return false;
      }
    } else if (item.rfind("fparg", 0) == 0 && parse_number(item.substr(5), n)) {
      v.fp = true;
      kind = ValueKind::float_;
    } else if (item.rfind("arg", 0) == 0 && parse_number(item.substr(3), n)) {
      v.fp = false;
    } else {
      error = "'" + item + "': expected argN[/FMT] or fpargN (N from 1)";
      return false;
    }
    if (!retval && (n < 1 || n > 8)) {
      error = "'" + item + "': argument numbers go from 1 to 8";
      return false;
    }
    if (!format.empty() && !parse_format(format, kind)) {
      error = "'" + format + "': unknown format (i, u, x, s, c, f, p)";
      return false;
    }
    if (!retval && n > (v.fp ? trace::kFpArgRegs : trace::kIntArgRegs)) {
      error = "'" + item + "': only the first " +
              std::to_string(v.fp ? trace::kFpArgRegs : trace::kIntArgRegs) +
              " arguments of that kind are in registers on this architecture";
      return false;
    }
    if (v.fp && kind != ValueKind::float_) {
      error = "'" + item + "/" + format + "': a floating-point argument is shown as a float (/f)";
      return false;
    }
    if (retval) v.fp = kind == ValueKind::float_;
    v.index = static_cast<std::uint8_t>(retval ? 0 : n - 1);
    v.kind = static_cast<std::uint8_t>(kind);
    if (rule.count == kMaxCapturedArgs) {
      error = "at most 8 values per function";
      return false;
    }
    rule.values[rule.count++] = v;
    if (retval && rule.count > 1) {
      error = "one return value per function";
      return false;
    }
  }
  return true;
}

bool parse_record_options(const char* text, RecordOptions& out, std::string& error) {
  const std::string all = text ? text : "";
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t nl = all.find('\n', at);
    if (nl == std::string::npos) nl = all.size();
    const std::string line = all.substr(at, nl - at);
    at = nl + 1;
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != ' ') {
      error = "bad line '" + line + "'";
      return false;
    }
    const std::string arg = line.substr(2);
    std::uint64_t n = 0;
    switch (line[0]) {
      case 'F':
        out.include.push_back(arg);
        break;
      case 'N':
        out.exclude.push_back(arg);
        break;
      case 'D':
        if (!parse_number(arg, n) || n > 100000) {
          error = "bad depth '" + arg + "'";
          return false;
        }
        out.max_depth = static_cast<std::uint32_t>(n);
        break;
      case 'T':
        if (!parse_number(arg, n) || n < 1 || n > kMaxMinDurationNs) {
          error = "bad duration '" + arg + "': expected 1 to " + std::to_string(kMaxMinDurationNs) + " ns";
          return false;
        }
        out.min_duration_ns = n;
        break;
      case 'S':
        if (!parse_number(arg, n) || n < kMinSegmentBytes || n > kMaxSegmentBytes) {
          error = "bad segment size '" + arg + "'";
          return false;
        }
        out.segment_bytes = static_cast<std::uint32_t>(n);
        break;
      case 'P':
        if (arg != "fused" && arg != "generic") {
          error = "bad path '" + arg + "': expected fused or generic";
          return false;
        }
        out.fused = arg == "fused";
        break;
      case 'E':
        if (arg != "off") {
          error = "bad environment line '" + arg + "': expected off";
          return false;
        }
        out.store_environment = false;
        break;
      case 'K':
        if (arg != "dwarf") {
          error = "bad capture kind line '" + arg + "': expected dwarf";
          return false;
        }
        out.dwarf_captures = true;
        break;
      case 'L':
        if (!parse_number(arg, n) || n < 1 || n > kMaxLiveFiles) {
          error = "bad live file count '" + arg + "': expected 1 to " + std::to_string(kMaxLiveFiles);
          return false;
        }
        out.live_files = static_cast<std::uint32_t>(n);
        break;
      case 'A':
      case 'R': {
        const std::size_t sep = arg.rfind('@');
        if (sep == std::string::npos || sep == 0) {
          error = "bad capture '" + arg + "': expected FUNC@SPEC";
          return false;
        }
        CaptureRule rule;
        rule.regex = arg.substr(0, sep);
        if (!parse_capture_spec(arg.substr(sep + 1), line[0] == 'R', rule, error)) return false;
        out.captures.push_back(rule);
        break;
      }
      default:
        error = "unknown option line '" + line + "'";
        return false;
    }
  }
  return true;
}

}  // namespace ariadne::record
