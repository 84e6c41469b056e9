#include "record/Capture.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "trace/RuntimeMappings.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

// Per site: 1 + index of its entry rule / exit rule (0: none). Site ids are
// dense; the tables are sparse mappings touched only where rules match.
constexpr std::size_t kMaxSites = std::size_t{1} << 24;
std::uint16_t* g_entry_rule = nullptr;
std::uint16_t* g_exit_rule = nullptr;
std::vector<CaptureRule>* g_rules = nullptr;

struct Match {
  std::uint16_t slot;
  bool retval;
  const char* exact = nullptr;  // by_name also takes "f" for "f(int)": the regex's meaning kept
};

void mark(const trace::Site& s, void* user) {
  const auto* m = static_cast<const Match*>(user);
  if (s.id >= kMaxSites) return;
  if (m->exact != nullptr && std::strcmp(s.name[0] != '\0' ? s.name : s.mangled, m->exact) != 0) return;
  (m->retval ? g_exit_rule : g_entry_rule)[s.id] = m->slot;
}

// A string argument: at most kMaxStringCapture bytes, page by page, so a
// string ending just before an unmapped page still reads.
bool open_string_pipe(ThreadLog* t) noexcept {
  if (sys_pipe2(t->string_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
  for (int& end : t->string_pipe) end = trace::detail::keep_fd_apart(end);
  return true;
}

std::size_t encode_string(ThreadLog* t, std::uint64_t address, std::uint8_t* out) noexcept {
  if (address == 0 || (t->string_pipe[0] < 0 && !open_string_pipe(t))) {
    out[0] = static_cast<std::uint8_t>(ValueKind::bad_string);
    return 1;
  }
  char text[kMaxStringCapture + 1];
  std::size_t got = 0;
  bool terminated = false;
  const std::uintptr_t page = static_cast<std::uintptr_t>(::getpagesize());
  while (got < sizeof text && !terminated) {
    const std::uintptr_t at = address + got;
    std::size_t chunk = page - (at & (page - 1));
    if (chunk > sizeof text - got) chunk = sizeof text - got;
    const long w = sys_write(t->string_pipe[1], reinterpret_cast<const void*>(at), chunk);
    if (w <= 0) break;
    const long r = sys_read(t->string_pipe[0], text + got, static_cast<std::size_t>(w));
    if (r != w) break;
    for (long i = 0; i < r; ++i) {
      if (text[got + static_cast<std::size_t>(i)] == '\0') {
        got += static_cast<std::size_t>(i);
        terminated = true;
        break;
      }
    }
    if (!terminated) got += static_cast<std::size_t>(r);
  }
  if (got == 0 && !terminated) {
    out[0] = static_cast<std::uint8_t>(ValueKind::bad_string);
    return 1;
  }
  std::size_t length = got;
  if (!terminated) {  // cut: the last three bytes say so
    length = kMaxStringCapture;
    std::memcpy(text + kMaxStringCapture - 3, "...", 3);
  }
  out[0] = static_cast<std::uint8_t>(ValueKind::string);
  std::size_t n = 1 + put_varint(out + 1, length);
  std::memcpy(out + n, text, length);
  return n + length;
}

std::size_t encode_value(ThreadLog* t, const ValueSpec& v, std::uint64_t bits, double fp,
                         std::uint8_t* out) noexcept {
  const auto kind = static_cast<ValueKind>(v.kind);
  if (kind == ValueKind::string) return encode_string(t, bits, out);
  out[0] = v.kind;
  switch (kind) {
    case ValueKind::int_: {
      // An int passed in a 32-bit register leaves the upper half zero:
      // show it sign-extended (so -1 is -1, not 4294967295).
      const auto value = (bits >> 32) == 0 ? static_cast<std::int64_t>(static_cast<std::int32_t>(bits))
                                           : static_cast<std::int64_t>(bits);
      return 1 + put_varint(out + 1, zigzag(value));
    }
    case ValueKind::char_:
      return 1 + put_varint(out + 1, bits & 0xff);
    case ValueKind::float_: {
      double d = fp;
      if (!v.fp) std::memcpy(&d, &bits, sizeof d);
      std::memcpy(out + 1, &d, 8);
      return 9;
    }
    default:
      return 1 + put_varint(out + 1, bits);
  }
}

// `record -a` writes one rule per function, "^name$" with the name's
// metacharacters escaped: matched by name (strcmp), not by regexec, which
// for thousands of rules over thousands of sites took most of a second
// natively (and 10-50x that under QEMU). The name, or "" for any other regex.
std::string literal_name(const std::string& re) {
  if (re.size() < 3 || re.front() != '^' || re.back() != '$' || re[re.size() - 2] == '\\') return "";
  std::string name;
  for (std::size_t i = 1; i + 1 < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      name += re[++i];
    } else if (std::strchr(".[]{}()*+?^$|", c) != nullptr) {
      return "";
    } else {
      name += c;
    }
  }
  return name;
}

long mark_rule(const CaptureRule& rule, Match& match) {
  const std::string name = literal_name(rule.regex);
  match.exact = name.empty() ? nullptr : name.c_str();
  return trace::for_each_site(
      name.empty() ? trace::by_regex(rule.regex.c_str()) : trace::by_name(name.c_str()), mark, &match);
}

}  // namespace

bool set_capture_rules(const std::vector<CaptureRule>& rules, std::string& error) {
  if (rules.empty()) return true;
  if (rules.size() > kMaxCaptureRules) {
    error = "too many -A/-R rules (at most " + std::to_string(kMaxCaptureRules) + ")";
    return false;
  }
  // 2 x 32 MiB reserved, touched only at the sites rules match.
  void* m = trace::detail::map_runtime(2 * kMaxSites * sizeof(std::uint16_t), PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
  if (m == MAP_FAILED) {
    error = "cannot map the capture tables";
    return false;
  }
  g_entry_rule = static_cast<std::uint16_t*>(m);
  g_exit_rule = g_entry_rule + kMaxSites;
  g_rules = new std::vector<CaptureRule>(rules);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    Match match{static_cast<std::uint16_t>(i + 1), rules[i].retval};
    if (mark_rule(rules[i], match) < 0) {
      error = std::string(rules[i].regex) + ": " + trace::error();
      return false;
    }
  }
  return true;
}

void apply_capture_rules() noexcept {
  if (g_rules == nullptr) return;
  for (std::size_t i = 0; i < g_rules->size(); ++i) {
    Match match{static_cast<std::uint16_t>(i + 1), (*g_rules)[i].retval};
    mark_rule((*g_rules)[i], match);
  }
}

bool capture_enabled() noexcept { return g_rules != nullptr; }

const CaptureRule* entry_capture(std::uint32_t site) noexcept {
  if (g_entry_rule == nullptr || site >= kMaxSites || g_entry_rule[site] == 0) return nullptr;
  return &(*g_rules)[g_entry_rule[site] - 1];
}

const CaptureRule* exit_capture(std::uint32_t site) noexcept {
  if (g_exit_rule == nullptr || site >= kMaxSites || g_exit_rule[site] == 0) return nullptr;
  return &(*g_rules)[g_exit_rule[site] - 1];
}

std::size_t encode_arguments(ThreadLog* t, const CaptureRule& rule, const trace::Frame& frame,
                             std::uint8_t* out) noexcept {
  std::size_t n = put_varint(out, rule.count);
  for (std::uint8_t i = 0; i < rule.count; ++i) {
    const ValueSpec& v = rule.values[i];
    const std::uint64_t bits = v.fp ? 0 : frame.arg(v.index);
    const double fp = v.fp ? frame.fp_arg(v.index) : 0.0;
    n += encode_value(t, v, bits, fp, out + n);
  }
  return n;
}

std::size_t encode_return(ThreadLog* t, const CaptureRule& rule, const trace::Frame& frame,
                          std::uint8_t* out) noexcept {
  const ValueSpec& v = rule.values[0];
  return encode_value(t, v, v.fp ? 0 : frame.ret(), v.fp ? frame.fp_ret() : 0.0, out);
}

}  // namespace ariadne::record
