// What the commands reading a recording (show, report, graph, info, dump)
// share: opening it, the problems on stderr and the exit status they make,
// durations for people, and the --pid/--tid selection.
#pragma once

#include <regex.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/Progress.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::cli {

// Exit statuses of the reading commands.
inline constexpr int kStatusProblems = 1;      // output written, but the recording is damaged
inline constexpr int kStatusNotRecording = 2;  // nothing to read (also bad options)

struct OpenTrace {
  tracefile::TraceDir dir;
  std::vector<tracefile::Problem> problems;
};

// Opens DIR; not a recording: "ariadne: ..." on stderr and CommandExit{2}.
OpenTrace open_trace(const std::string& path);

// Prints the problems ("ariadne: FILE: offset N: ...") and ends the command:
// CommandExit{1} if there were any. Returns normally otherwise.
void finish(const std::vector<tracefile::Problem>& problems);

// "# N events lost while recording" when N > 0: events the recorder counted
// but could not write (lost markers; docs/record.md says when), so a table
// of counts says it is short. Not damage: no effect on the exit status.
void say_lost_events(std::uint64_t lost);

// "850 ns", "12.345 us", "1.500 ms", "2.000 s".
std::string format_duration(std::uint64_t ns);
// "1.5ms", "200us", "3s", "100ns", "100" (ns). False if malformed.
bool parse_duration(const std::string& text, std::uint64_t& ns);

// Which processes/threads a command looks at (--pid, --tid; 0 = all).
struct Selection {
  std::uint32_t pid = 0, tid = 0;
  void add_options(CLI::App& cmd, bool with_tid = true);
  bool process(const tracefile::ProcessInfo& p) const { return pid == 0 || p.pid == pid; }
  bool thread(const tracefile::ThreadInfo& t) const { return tid == 0 || t.tid == tid; }

  // Whether p's fibers are walked (walk_fibers): p is selected, every thread
  // is (a fiber belongs to no one thread), and its segments switch stacks.
  bool fibers(const tracefile::ProcessInfo& p) const { return tid == 0 && process(p) && p.switches_stacks; }

  // fn(process, thread) for every selected thread, in recording order.
  template <typename Fn>
  void for_each_thread(const tracefile::TraceDir& d, Fn&& fn) const {
    for (const auto& p : d.processes()) {
      if (!process(p)) continue;
      for (const auto& t : p.threads)
        if (thread(t)) fn(p, t);
    }
  }
};

// The tid standing for a fiber where a format wants one per timeline
// (Chrome JSON): far above any real tid.
inline std::uint32_t fiber_lane_tid(std::uint64_t fiber) {
  return 1000000000u + static_cast<std::uint32_t>(fiber % 1000000000u);
}

// Walks the fibers of every process `s` selects for it: begin(process,
// fiber id, tids) before each fiber's calls returns the CallVisitor they go
// to, end() after them.
template <typename Begin, typename End>
void walk_selected_fibers(const tracefile::TraceDir& d, const Selection& s,
                          std::vector<tracefile::Problem>& problems, Begin begin, End end) {
  struct Lanes : tracefile::FiberVisitor {
    const tracefile::ProcessInfo* p = nullptr;
    Begin& begin;
    End& end;
    Lanes(Begin& b, End& e) : begin(b), end(e) {}
    tracefile::CallVisitor& begin_fiber(std::uint64_t id, const std::vector<std::uint32_t>& tids) override {
      return begin(*p, id, tids);
    }
    void end_fiber(std::uint64_t) override { end(); }
  } lanes(begin, end);
  for (const auto& p : d.processes()) {
    if (!s.fibers(p)) continue;
    lanes.p = &p;
    tracefile::walk_fibers(d, p, lanes, problems);
  }
}

// A function filter (show -F/-N, graph FUNC): POSIX extended, no
// submatches. A bad one: "ariadne: OPTION 'SHOWN': invalid regular
// expression: ..." on stderr and CommandExit{2}.
struct Regex {
  regex_t re{};
  bool set = false;
  Regex() = default;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex() {
    if (set) ::regfree(&re);
  }
  // `shown`: what the user typed, when `pattern` is derived from it.
  void compile(const std::string& pattern, const char* option, const std::string* shown = nullptr);
  bool match(const std::string& s) const { return ::regexec(&re, s.c_str(), 0, nullptr, 0) == 0; }
};

// Whether a site's function matches a -F/-N pattern, by its full or its base
// name ("worker" for "worker(int, int)"); cached per site, since the same few
// sites come back millions of times.
class SiteMatch {
 public:
  SiteMatch(const tracefile::ProcessInfo& p, const Regex& re) : p_(p), re_(re) {}
  bool operator()(std::uint32_t site);

 private:
  const tracefile::ProcessInfo& p_;
  const Regex& re_;
  std::unordered_map<std::uint32_t, bool> cache_;
};

// Bytes on disk of the selected segments: the progress bar's total.
std::uint64_t selected_bytes(const tracefile::TraceDir& d, const Selection& s);
// Makes `d` advance `p` as segments are read.
void attach(tracefile::TraceDir& d, Progress& p);

}  // namespace ariadne::cli
