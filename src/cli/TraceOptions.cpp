#include "cli/TraceOptions.hpp"

#include <fmt/format.h>
#include <regex.h>

#include <algorithm>

#include "analysis/AutoArgs.hpp"
#include "cli/RuntimeSettings.hpp"
#include "launch/LaunchError.hpp"
#include "record/RecordOptions.hpp"
#include "record/ThreadLog.hpp"

namespace ariadne::cli {

using launch::LaunchError;

namespace {

// Digits only, at most 12 of them (no sign, no space: stoull would take
// " -1" as 2^64-1); false otherwise.
bool parse_digits(const std::string& text, std::size_t length, std::uint64_t& v) {
  if (length == 0 || length > 12) return false;
  v = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return true;
}

}  // namespace

bool parse_bytes(const std::string& text, std::uint64_t& bytes) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty())
    scale = 1;
  else if (unit == "K" || unit == "k")
    scale = 1ull << 10;
  else if (unit == "M" || unit == "m")
    scale = 1ull << 20;
  else if (unit == "G" || unit == "g")
    scale = 1ull << 30;
  std::uint64_t v = 0;
  if (scale == 0 || !parse_digits(text, digits, v) || v > UINT64_MAX / scale) return false;
  bytes = v * scale;
  return true;
}

namespace {

// "10us", "2ms", "1s", "500ns", "250" (ns): from 1 ns to record::kMaxMinDurationNs.
std::uint64_t parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1000;
  else if (unit == "ms")
    scale = 1000000;
  else if (unit == "s")
    scale = 1000000000;
  std::uint64_t v = 0;
  if (scale == 0 || !parse_digits(text, digits, v) || v == 0 || v > record::kMaxMinDurationNs / scale)
    throw LaunchError(
        fmt::format("-t '{}': expected a duration from 1ns to 86400s, like 500ns, 10us, 2ms or 1s", text));
  return v * scale;
}

// -D: 1 to 100000 (the runtime's limit, RecordOptions.cpp).
std::uint32_t parse_depth(const std::string& text) {
  std::uint64_t v = 0;
  if (!parse_digits(text, text.size(), v) || v < 1 || v > 100000)
    throw LaunchError(fmt::format("-D '{}': expected a depth from 1 to 100000", text));
  return static_cast<std::uint32_t>(v);
}

std::uint64_t parse_size(const std::string& text) {
  std::uint64_t v = 0;
  if (!parse_bytes(text, v) || v < record::kMinSegmentBytes || v > record::kMaxSegmentBytes)
    throw LaunchError(fmt::format("--segment-size '{}': expected bytes from {} to {} (suffix K or M allowed)",
                                  text, record::kMinSegmentBytes, record::kMaxSegmentBytes));
  return v;
}

std::string capture_line(const char* option, const std::string& text, bool retval) {
  const std::size_t at = text.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size())
    throw LaunchError(
        fmt::format("{} '{}': expected FUNC@{}", option, text, retval ? "retval[/FMT]" : "SPEC"));
  check_regex(option, text.substr(0, at));
  record::CaptureRule rule;
  std::string error;
  if (!record::parse_capture_spec(text.substr(at + 1), retval, rule, error))
    throw LaunchError(fmt::format("{} '{}': {}", option, text, error));
  return fmt::format("{} {}", retval ? 'R' : 'A', text);
}

// The environment's limit on one variable (MAX_ARG_STRLEN, 32 pages), less
// room for the rest of the options.
constexpr std::size_t kMaxAutoArgsText = 120 * 1024;

// -a: the capture lines of every function in PROG's DWARF that -F/-N let
// through (matched as the runtime does: POSIX extended, searched).
std::string auto_args_lines(const launch::LaunchPlan& plan, const std::vector<std::string>& include,
                            const std::vector<std::string>& exclude) {
  struct Filters {
    std::vector<regex_t> include, exclude;
    ~Filters() {
      for (auto* list : {&include, &exclude})
        for (auto& re : *list) regfree(&re);
    }
  } filters;
  for (const auto* from : {&include, &exclude}) {
    for (const auto& text : *from) {
      regex_t re;
      if (regcomp(&re, text.c_str(), REG_EXTENDED | REG_NOSUB) != 0) continue;  // check_regex said so already
      (from == &include ? filters.include : filters.exclude).push_back(re);
    }
  }
  const auto wanted = [](const std::string& name, void* user) {
    const auto* f = static_cast<const Filters*>(user);
    const auto matches = [&](const regex_t& re) { return regexec(&re, name.c_str(), 0, nullptr, 0) == 0; };
    return (f->include.empty() || std::any_of(f->include.begin(), f->include.end(), matches)) &&
           std::none_of(f->exclude.begin(), f->exclude.end(), matches);
  };
  std::string error;
  const auto lines = analysis::auto_capture_lines(plan.program, plan.isa, wanted, &filters, error);
  if (!error.empty()) throw LaunchError("-a: " + error);
  std::string text;
  for (const auto& l : lines) text += l + '\n';
  if (lines.size() > record::kMaxCaptureRules || text.size() > kMaxAutoArgsText)
    throw LaunchError(
        fmt::format("-a: {} functions in {}'s DWARF are more than one recording can capture; "
                    "choose some with -F/-N",
                    lines.size() / 2, plan.program));
  return text + "K dwarf\n";
}

}  // namespace

std::string TraceOptions::auto_args_lines(const launch::LaunchPlan& plan) const {
  return cli::auto_args_lines(plan, include, exclude);
}

bool TraceOptions::any() const {
  return !include.empty() || !exclude.empty() || depth_option->count() != 0 || time_option->count() != 0 ||
         !args.empty() || !retvals.empty() || !segment_size.empty() || generic_path || auto_args;
}

std::string TraceOptions::lines() const {
  std::string options;
  auto line = [&](const std::string& l) { options += l + '\n'; };
  for (const auto& re : include) line("F " + check_regex("-F", re));
  for (const auto& re : exclude) line("N " + check_regex("-N", re));
  // Given, even as '': checked (-D '' was taken as "no limit").
  if (depth_option->count() != 0) line(fmt::format("D {}", parse_depth(depth)));
  if (time_option->count() != 0) line(fmt::format("T {}", parse_duration(min_duration)));
  for (const auto& a : args) line(capture_line("-A", a, false));
  for (const auto& r : retvals) line(capture_line("-R", r, true));
  if (auto_args && (!args.empty() || !retvals.empty()))
    throw LaunchError("-a captures every function's arguments from DWARF: give it without -A/-R");
  if (!segment_size.empty()) line(fmt::format("S {}", parse_size(segment_size)));
  if (generic_path) line("P generic");
  return options;
}

void add_trace_options(CLI::App* cmd, TraceOptions& o) {
  cmd->add_option("-F,--function", o.include,
                  "Record only functions whose demangled name matches REGEX (POSIX extended, searched; "
                  "repeatable; default: every instrumented function)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd->add_option("-N,--not-function", o.exclude,
                  "Do not record functions matching REGEX (repeatable; applied after -F)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  o.depth_option =
      cmd->add_option("-D,--depth", o.depth,
                      "Record only calls nested less than DEPTH deep (1 to 100000; 1: outermost calls only)")
          ->type_name("DEPTH");
  o.time_option =
      cmd->add_option(
             "-t,--time-filter", o.min_duration,
             "Drop calls shorter than DURATION (1ns to 86400s: 500ns, 10us, 2ms, 1s); a call is kept if it "
             "lasts long enough or if one of its callees is kept")
          ->type_name("DURATION");
  cmd->add_option(
         "-A,--argument", o.args,
         "Capture arguments of the functions whose name matches the regex FUNC: FUNC@arg1,arg2/s,fparg1 — "
         "argN is the N-th "
         "integer/pointer argument, fpargN the N-th floating-point one; formats /i int (default), /u "
         "unsigned, /x hex, /s string, /c char, /f double, /p pointer (repeatable)")
      ->type_name("FUNC@SPEC")
      ->allow_extra_args(false);
  cmd->add_option(
         "-R,--retval", o.retvals,
         "Capture the return value of the functions matching the regex FUNC: FUNC@retval[/FMT], same formats "
         "(repeatable)")
      ->type_name("FUNC@retval")
      ->allow_extra_args(false);
  cmd->add_flag("-a,--auto-args", o.auto_args,
                "Capture the arguments and return values of every function of PROG (its executable), "
                "placed and formatted from its DWARF: build it with -g (`ariadne flags --debug`). `show` "
                "prints them as name: value by type (docs/record.md); not with -A/-R");
  cmd->add_option("--segment-size", o.segment_size,
                  "Size of each per-thread segment file (default 1M; 4096 to 64M, suffix K or M)")
      ->type_name("BYTES");
  cmd->add_flag(
      "--generic-path", o.generic_path,
      "Record each call through the trace runtime's generic dispatcher and C handlers instead of the "
      "fused assembly path (same trace, slower: for comparison, or if the fast path is suspected)");
}

}  // namespace ariadne::cli
