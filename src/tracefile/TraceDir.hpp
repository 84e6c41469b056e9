// Reading a recording directory (Format.hpp): the one reader every analysis
// command (show, report, graph, info, dump) goes through.
//
// Readers never trust the files: every problem (a missing or truncated file,
// a bad checksum, an unknown event tag, an exit with no open entry...) is a
// Problem naming the file, the byte offset and what was expected there, and
// reading goes on with what is intact (the rest of the segment is skipped,
// the next segment is read). Nothing here may crash or throw on bad input
// except TraceDir::open for a directory that is not a recording at all.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"

namespace ariadne::tracefile {

struct Problem {
  std::string file;          // path of the file
  std::uint64_t offset;      // byte offset in it (in the decompressed data for .zst)
  std::string what;          // "expected ..., found ..."
  std::string text() const;  // "FILE: offset N: WHAT"
};

// Not a recording at all (no ariadne.session and no process files), or
// unreadable: one line, naming the path.
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Value {
  ValueKind kind = ValueKind::int_;
  std::uint64_t bits = 0;      // int_/uint_/hex/char_/pointer; the double's bits for float_
  std::string text;            // string
  std::string format() const;  // as shown: "42", "0x2a", "\"abc\"", "'a'", "1.5", "0x7ff0..."
};

struct SiteInfo {
  std::uint32_t id = 0;
  std::uint64_t address = 0;  // absolute, in the recorded process
  std::string name;           // demangled
  std::uint32_t module = 0;   // index into ProcessInfo::modules
};

struct ModuleInfo {
  std::string path;
  std::uint64_t base = 0;
  std::string build_id;
};

struct SegmentFile {
  std::string path;
  std::uint32_t seq = 0;
  bool compressed = false;
  std::uint64_t bytes = 0;  // size on disk
};

struct ThreadInfo {
  std::uint32_t tid = 0;
  std::vector<SegmentFile> segments;  // in seq order
};

struct ProcessInfo {
  std::string key;  // directory name: "<pid>" or "<pid>.<n>"
  std::string dir;  // full path
  std::uint32_t pid = 0, ppid = 0, forked_from = 0;
  std::string execd_from;
  std::string arch;
  ClockKind clock = ClockKind::monotonic_ns;
  double counter_hz = 0;       // after calibration
  std::uint64_t counter0 = 0;  // first calibration point: counter ...
  std::uint64_t mono0_ns = 0;  // ... and CLOCK_MONOTONIC at that moment
  std::vector<std::string> argv, env;
  std::vector<ModuleInfo> modules;
  std::map<std::uint32_t, SiteInfo> sites;  // by site id
  std::vector<ThreadInfo> threads;          // by tid
  bool ended = false;                       // process_end chunk present
  bool switches_stacks = false;             // stacks chunk: fibers to pair across threads (walk_fibers)
  std::uint64_t unhooked = 0;               // calls whose exits were not traced (unhooked chunk)
  int exit_kind = 0, exit_value = 0;

  // CLOCK_MONOTONIC ns of a counter value of this process.
  std::uint64_t to_ns(std::uint64_t counter) const;
  const std::string& site_name(std::uint32_t id) const;  // "<site N>" if unknown
};

// A shared object the program of a replayable recording had loaded
// (session_library chunks): replay checks each one's build-id.
struct SessionLibrary {
  std::string path;       // as the loader named it (relative to the recorded working directory)
  std::string build_id;   // hex, "" if it has none
  bool dlopened = false;  // loaded by dlopen after main started
};

struct SessionInfo {
  std::uint16_t version = 0;
  std::string arch;
  std::uint64_t start_unix_ns = 0;
  std::vector<std::string> argv, env;
  std::string options;
  bool ended = false;
  int exit_kind = 0, exit_value = 0;
  std::uint32_t pid = 0;  // PROG, whose exit status this is (0: not known; recordings before it was written)
  std::uint32_t stop_reason = 0;  // StopReason: recording stopped before PROG ended (0: not)
  std::uint64_t stop_limit = 0;
  std::vector<SessionLibrary> libraries;
};

// One decoded event, timestamps already in CLOCK_MONOTONIC ns.
struct TraceEvent {
  Event kind = Event::end;
  std::uint64_t ns = 0;
  std::uint32_t site = 0;            // entry / entry_args; for exits: the site of the call closed
  std::uint32_t depth = 0;           // entry: depth of the call (0 = outermost); exit: same as its entry
  std::uint64_t number = 0;          // fork: child pid; fork_child: parent pid; signal: signo; lost: count;
                                     // thread_start: parent tid; exec_failed: errno
  std::string text;                  // exec: path
  std::vector<Value> values;         // entry_args: the arguments; exit_retval: the return value
  std::vector<std::uint32_t> stack;  // fork_child: the open calls, outermost first
  // The stack the event happened on (stack_switch: the one switched to; its
  // `number` is the run and `depth` the calls open on it). 0: the thread's
  // own. Another stack's entries and exits are not paired per thread (an
  // exit's site is kUnknownSite): walk_fibers pairs them.
  std::uint64_t stack_id = 0;
  const std::string* file = nullptr;  // the segment it is in, and where
  std::uint64_t offset = 0;
};

class TraceDir {
 public:
  // Reads the session file and every process file and lists the segments.
  // Problems found on the way go to `problems`; throws TraceError only when
  // `path` is not a recording at all.
  static TraceDir open(const std::string& path, std::vector<Problem>& problems);

  const std::string& path() const { return path_; }
  const SessionInfo& session() const { return session_; }
  const std::vector<ProcessInfo>& processes() const { return processes_; }
  std::uint64_t start_ns() const {
    return start_ns_;
  }  // earliest timestamp of any process (the origin shown as 0)

  // Streams one thread's events in order, segment after segment, decoding
  // (and decompressing) one segment at a time so a multi-GB recording needs
  // little memory. Exits get their entry's site and depth; an exit with no
  // open entry or a truncated event is a Problem, and reading resumes at the
  // next segment. Returns false if `fn` returned false (stop early).
  bool for_each_event(const ProcessInfo& p, const ThreadInfo& t,
                      const std::function<bool(const TraceEvent&)>& fn, std::vector<Problem>& problems) const;

  // Called after each segment with its size on disk (progress bars).
  std::function<void(std::uint64_t bytes)> progress;

 private:
  std::string path_;
  std::uint64_t start_ns_ = 0;
  SessionInfo session_;
  std::vector<ProcessInfo> processes_;
};

// Turns a thread's event stream into calls: for every call, on_enter at its
// entry and on_exit once its end is known (exit, unwound exit, or the end of
// the stream for calls still open: `complete` false). The analysis commands
// are built on this.
struct Call {
  std::uint32_t site = 0;
  std::uint32_t depth = 0;
  std::uint64_t begin_ns = 0, end_ns = 0;  // end_ns = the last timestamp seen if not complete
  std::uint64_t child_ns = 0;              // time spent in traced callees (self = total - child)
  bool complete = true;                    // an exit was recorded
  bool unwound = false;                    // ...by longjmp / exception
  bool inherited = false;                  // open at a fork: entered in the parent (fork_child stack)
  std::vector<Value> args;
  std::vector<Value> retval;                          // 0 or 1
  const std::vector<std::uint32_t>* stack = nullptr;  // sites from the outermost call to this one
};

struct CallVisitor {
  virtual ~CallVisitor() = default;
  virtual void on_enter(const Call&) {}
  virtual void on_exit(const Call&) {}
  virtual void on_event(const TraceEvent&) {}  // everything that is not an entry or exit
};

// Walks every thread of every process (or one process/thread when filters
// are given), in order. Returns false if stopped early.
bool walk_calls(const TraceDir& dir, const ProcessInfo& p, const ThreadInfo& t, CallVisitor& v,
                std::vector<Problem>& problems);

// Fibers and coroutines (stacks other than a thread's own, named by
// stack_switch events): each one's calls as one timeline, paired across the
// threads it ran on and ordered by its runs. For every stack of the process
// in id order: begin_fiber, its calls, end_fiber. walk_calls leaves those
// calls out of the threads' timelines.
struct FiberVisitor {
  virtual ~FiberVisitor() = default;
  // `tids`: the threads it ran on, in order of first run.
  virtual CallVisitor& begin_fiber(std::uint64_t id, const std::vector<std::uint32_t>& tids) = 0;
  virtual void end_fiber(std::uint64_t id) { (void)id; }
};
// Reads every thread of `p` once and holds its fibers' calls in memory (about
// 40 bytes an event) before walking them. Nothing to do unless
// p.switches_stacks.
void walk_fibers(const TraceDir& dir, const ProcessInfo& p, FiberVisitor& v, std::vector<Problem>& problems);

}  // namespace ariadne::tracefile
