#include "cli/TraceCommon.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli/Commands.hpp"
#include "tracefile/FunctionName.hpp"

namespace ariadne::cli {

OpenTrace open_trace(const std::string& path) {
  OpenTrace t;
  try {
    t.dir = tracefile::TraceDir::open(path, t.problems);
  } catch (const tracefile::TraceError& e) {
    std::fprintf(stderr, "ariadne: %s\n", e.what());
    throw CommandExit{kStatusNotRecording};
  }
  return t;
}

void finish(const std::vector<tracefile::Problem>& problems) {
  std::fflush(stdout);
  for (const auto& p : problems) std::fprintf(stderr, "ariadne: %s\n", p.text().c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "ariadne: %zu problem%s in the recording; the output shows what is intact\n",
                 problems.size(), problems.size() == 1 ? "" : "s");
    throw CommandExit{kStatusProblems};
  }
}

void say_lost_events(std::uint64_t lost) {
  if (lost > 0)
    std::printf("# %llu event%s lost while recording (not counted above)\n",
                static_cast<unsigned long long>(lost), lost == 1 ? "" : "s");
}

std::string format_duration(std::uint64_t ns) {
  if (ns < 1000) return fmt::format("{} ns", ns);
  const double d = static_cast<double>(ns);
  if (ns < 1000000) return fmt::format("{:.3f} us", d / 1e3);
  if (ns < 1000000000) return fmt::format("{:.3f} ms", d / 1e6);
  return fmt::format("{:.3f} s", d / 1e9);
}

bool parse_duration(const std::string& text, std::uint64_t& ns) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(v >= 0) || !std::isfinite(v)) return false;
  const std::string unit(end);
  double scale;
  if (unit.empty() || unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else {
    return false;
  }
  const double r = v * scale;
  if (r > 1.8e19) return false;
  ns = static_cast<std::uint64_t>(std::llround(r));
  return true;
}

void Regex::compile(const std::string& pattern, const char* option, const std::string* shown) {
  const int rc = ::regcomp(&re, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[256];
    ::regerror(rc, &re, why, sizeof why);
    std::fprintf(stderr, "ariadne: %s '%s': invalid regular expression: %s\n", option,
                 (shown != nullptr ? *shown : pattern).c_str(), why);
    throw CommandExit{kStatusNotRecording};
  }
  set = true;
}

bool SiteMatch::operator()(std::uint32_t site) {
  const auto it = cache_.find(site);
  if (it != cache_.end()) return it->second;
  const std::string& name = p_.site_name(site);
  return cache_[site] = re_.match(name) || re_.match(tracefile::function_base_name(name));
}

void Selection::add_options(CLI::App& cmd, bool with_tid) {
  cmd.add_option("--pid", pid, "Only the process with this pid (all its images)");
  if (with_tid) cmd.add_option("--tid", tid, "Only the thread with this tid");
}

std::uint64_t selected_bytes(const tracefile::TraceDir& d, const Selection& s) {
  std::uint64_t n = 0;
  s.for_each_thread(d, [&n](const tracefile::ProcessInfo&, const tracefile::ThreadInfo& t) {
    for (const auto& f : t.segments) n += f.bytes;
  });
  return n;
}

void attach(tracefile::TraceDir& d, Progress& p) {
  d.progress = [&p](std::uint64_t bytes) { p.add(bytes); };
}

}  // namespace ariadne::cli
