// ariadne info DIR: what a recording holds. The session (command line,
// architecture, start, duration, exit status), then per process image its
// relation to the others (fork, exec), threads, events, calls, segments and
// bytes on disk, and its modules with their build-ids. Counting events reads
// every segment once.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "cli/Commands.hpp"
#include "cli/ReplayLogFile.hpp"
#include "cli/ReplayLogSummary.hpp"
#include "cli/Replayable.hpp"
#include "cli/TraceCommon.hpp"
#include "replay/CallNames.hpp"
#include "replay/ReplayFormat.hpp"
#include "tracefile/FileAccess.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) {
    if (!s.empty()) s += ' ';
    const bool quote = a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos;
    s += quote ? "'" + a + "'" : a;
  }
  return s;
}

std::string exit_text(int kind, int value) {
  return kind == 1 ? fmt::format("killed by signal {}", value) : fmt::format("exit {}", value);
}

std::string utc(std::uint64_t unix_ns) {
  const std::time_t s = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03} UTC", buf, (unix_ns / 1000000) % 1000);
}

std::uint64_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string bytes_text(std::uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < (1u << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  if (n < (1u << 30)) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1 << 20));
  return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1 << 30));
}

// The session's options (the lines `ariadne record` hands the runtime,
// src/record/RecordOptions.hpp, or a replayable recording's) in words, one
// per line, each with the option it came from. Lines it does not know are
// shown as they are.
std::vector<std::string> options_in_words(const std::string& text) {
  // The lines whose value goes into the words as it is.
  static const std::pair<char, const char*> kWords[] = {
      {'F', "only functions matching '{}' (-F)"},
      {'N', "not the functions matching '{}' (-N)"},
      {'D', "only calls less than {} deep (-D)"},
      {'A', "arguments captured: {} (-A)"},
      {'R', "return value captured: {} (-R)"},
      {kReplayBuildIdTag, "the executable's build-id {}"},
      {kReplayCwdTag, "working directory {}"},
      {kReplayTicksTag, "{} instrumented entries per turn (--ticks)"},
      {kReplayChaosTag, "scheduled at random by `ariadne chaos`, run seed {}"},
  };
  std::vector<std::string> out;
  // -a's capture lines, one or two per function, are said in one line.
  const bool dwarf_captures = text.find("\nK dwarf\n") != std::string::npos || text.starts_with("K dwarf\n");
  std::set<std::string> dwarf_functions;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(at, nl - at);
    at = nl + 1;
    if (line.empty()) continue;
    if (dwarf_captures && (line[0] == 'A' || line[0] == 'R')) {
      dwarf_functions.insert(line.substr(0, line.rfind('@')).substr(std::min<std::size_t>(2, line.size())));
      continue;
    }
    const std::string v = line.size() > 2 && line[1] == ' ' ? line.substr(2) : std::string();
    std::uint64_t n = 0;
    const bool number = parse_duration(v, n);  // digits: a plain count (ns for T)
    const auto* words = std::find_if(std::begin(kWords), std::end(kWords),
                                     [&](const auto& w) { return w.first == line[0] && !v.empty(); });
    if (words != std::end(kWords)) {
      out.push_back(fmt::format(fmt::runtime(words->second), v));
    } else if (line[0] == 'T' && number) {
      out.push_back(fmt::format("only calls of {} or more, or with such a callee (-t)", format_duration(n)));
    } else if (line[0] == 'S' && number) {
      out.push_back(fmt::format("segments of {} (--segment-size)", bytes_text(n)));
    } else if (line == "P generic") {
      out.push_back("every call through the generic dispatcher, not the fused path (--generic-path)");
    } else if (line == "L 1") {
      out.push_back("each thread copied its full segments out itself (--no-drain)");
    } else if (line[0] == 'L' && number) {
      out.push_back(fmt::format(
          "full segments copied out beside the program by `ariadne record` (up to {} live files per thread)",
          v));
    } else if (line == "K dwarf") {
      out.push_back(fmt::format("arguments and return values of {} function{}, formatted from DWARF (-a)",
                                dwarf_functions.size(), dwarf_functions.size() == 1 ? "" : "s"));
    } else if (line == "E off") {
      out.push_back("the environment left out (--no-env)");
    } else if (line == fmt::format("{} replayable", kReplayOptionTag)) {
      out.push_back("replayable: threads one at a time, libc results logged (--replayable)");
    } else {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace

// `info --events`: one line per event of the replay log, numbered as `replay
// --gdb --at` and divergence reports count them. Calls are named by this
// build's system call numbers only for a log of its own architecture.
static void print_replay_events(const std::string& dir) {
  ReplayLogFile log;
  if (!log.load(dir)) return;  // print_replay_log said why
  const std::uint8_t* bytes = log.data();
  if (replay::check_header(bytes, log.size(), /*any_arch=*/true) != nullptr) return;
  const bool own_arch = replay::check_header(bytes, log.size(), /*any_arch=*/false) == nullptr;
  std::printf("\n  %8s %6s %12s %8s  %s\n", "Event", "Thread", "Tick", "Call", "What");
  replay::Cursor c(bytes, log.size());
  std::uint64_t n = 0;
  for (replay::EventView ev; c.peek(ev) == replay::Cursor::Status::event; c.advance(ev)) {
    const replay::EventHead& h = ev.head;
    std::string what;
    switch (h.kind) {
      case replay::EventKind::handoff:
        what = h.a == replay::kNoThread
                   ? fmt::format("hand-off, nobody runnable ({})", reason_name(h.reason))
                   : fmt::format("hand-off to thread {} ({})", h.a, reason_name(h.reason));
        break;
      case replay::EventKind::call: {
        const bool named = own_arch || h.a >= replay::kCallClockGettime;
        what = fmt::format("{} = {}", named ? replay::call_name(h.a) : fmt::format("system call {}", h.a),
                           static_cast<std::int64_t>(h.b));
        if (h.data_len != 0) what += fmt::format(" ({} bytes of results logged)", h.data_len);
        break;
      }
      case replay::EventKind::thread_create:
        what = fmt::format("creates thread {}", h.a);
        break;
      case replay::EventKind::signal:
        what = fmt::format("signal {} delivered", h.a);
        break;
      case replay::EventKind::exit:
        what = "process exit";
        break;
      default:
        what = replay::event_name(h.kind);
        break;
    }
    std::printf("  %8llu %6u %12llu %8llu  %s\n", static_cast<unsigned long long>(++n), h.thread,
                static_cast<unsigned long long>(h.ticks), static_cast<unsigned long long>(h.points),
                what.c_str());
  }
}

// A replayable recording's log (docs/replay.md): what it holds, by kind.
static void print_replay_log(const std::string& dir) {
  ReplayLogFile log;
  const bool loaded = log.load(dir);
  if (!log.found()) return;
  std::printf("\nReplay log   %s\n", log.path().c_str());
  if (!loaded) {
    std::printf("  Unreadable %s\n", log.problem().c_str());
    return;
  }
  const ReplayLogSummary r = summarize_replay_bytes(log.data(), log.size());
  if (!r.readable) {
    std::printf("  Unreadable %s\n", r.header_problem.c_str());
    return;
  }
  std::printf("  Events     %llu in %s (%.1f bytes per event); %llu ticks per turn when recorded\n",
              static_cast<unsigned long long>(r.events), bytes_text(r.bytes).c_str(),
              r.events != 0 ? static_cast<double>(r.bytes) / static_cast<double>(r.events) : 0.0,
              static_cast<unsigned long long>(r.quantum));
  if (log.compressed())
    std::printf(
        "  On disk    %s compressed (zstd), %s raw: %.2fx; %.1f bytes per event\n",
        bytes_text(log.file_bytes()).c_str(), bytes_text(r.bytes).c_str(),
        log.file_bytes() != 0 ? static_cast<double>(r.bytes) / static_cast<double>(log.file_bytes()) : 0.0,
        r.events != 0 ? static_cast<double>(log.file_bytes()) / static_cast<double>(r.events) : 0.0);
  else
    std::printf("  On disk    %s raw (not compressed: the recorder ended before it could compress it)\n",
                bytes_text(r.bytes).c_str());
  std::string reasons;
  for (const auto& [why, n] : r.handoffs_by_reason)
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", why, n);
  std::printf("  Hand-offs  %llu%s%s%s\n", static_cast<unsigned long long>(r.by_kind[1]),
              reasons.empty() ? "" : " (", reasons.c_str(), reasons.empty() ? "" : ")");
  std::printf("  Threads    %u (%llu made, %llu ended)\n", r.threads,
              static_cast<unsigned long long>(r.by_kind[4]), static_cast<unsigned long long>(r.by_kind[5]));
  std::printf("  Calls      %llu logged, %s of memory the kernel wrote\n",
              static_cast<unsigned long long>(r.by_kind[3]), bytes_text(r.syscall_bytes).c_str());
  std::printf("  Signals    %llu\n", static_cast<unsigned long long>(r.by_kind[6]));
  std::printf("  Baton      %llu taken free after a blocking call\n",
              static_cast<unsigned long long>(r.by_kind[2]));
  if (r.corrupt) {
    std::printf("  Damaged    at offset %llu: %s\n", static_cast<unsigned long long>(r.stop_offset),
                r.stop_why.c_str());
  } else if (r.torn) {
    std::printf("  End        torn at offset %llu (%s): the program was killed while recording\n",
                static_cast<unsigned long long>(r.stop_offset), r.stop_why.c_str());
  } else {
    std::printf("  End        %s\n",
                r.ended ? "the program's exit is logged" : "no exit logged (the program was killed)");
  }
}

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "info",
      "What a recording holds: the session (command line, architecture, start time, duration, exit status) "
      "and each process image (pid, parent, fork/exec relation, threads, events, calls, segments, bytes on "
      "disk and per call, modules with build-ids).\nExit status: 0; 1 if the recording is damaged "
      "(problems on stderr); 2 if DIR is not a recording.");
  struct Opts {
    std::string dir = "ariadne.data";
    Selection sel;
    bool events = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  cmd->add_flag(
      "--events", o->events,
      "A replayable recording: every event of its replay log, numbered as `ariadne replay --gdb --at "
      "EVENT` and divergence reports count them (thread, tick, the thread's intercepted calls so "
      "far, what happened)");
  o->sel.add_options(*cmd, false);
  cmd->callback([o] {
    OpenTrace t = open_trace(o->dir);
    o->sel.check(t.dir, o->dir);
    Progress progress("info", selected_bytes(t.dir, o->sel));
    attach(t.dir, progress);
    struct Counts {
      std::uint64_t events = 0, calls = 0, lost = 0, unhooked = 0, raw = 0, zst = 0, disk = 0,
                    first = UINT64_MAX, last = 0;
    };
    std::vector<Counts> per(t.dir.processes().size());
    Counts all;
    for (std::size_t i = 0; i < t.dir.processes().size(); ++i) {
      const auto& p = t.dir.processes()[i];
      if (!o->sel.process(p)) continue;
      Counts& c = per[i];
      c.disk = size_of(p.dir + "/process");
      c.unhooked = p.unhooked;
      for (const auto& th : p.threads) {
        for (const auto& f : th.segments) {
          (f.compressed ? c.zst : c.raw) += 1;
          c.disk += f.bytes;
        }
        t.dir.for_each_event(
            p, th,
            [&](const TraceEvent& e) {
              ++c.events;
              if (e.kind == Event::entry || e.kind == Event::entry_args) ++c.calls;
              if (e.kind == Event::lost) c.lost += e.number;
              if (e.ns < c.first) c.first = e.ns;
              if (e.ns > c.last) c.last = e.ns;
              return true;
            },
            t.problems);
      }
      all.events += c.events;
      all.calls += c.calls;
      all.lost += c.lost;
      all.unhooked += c.unhooked;
      all.raw += c.raw;
      all.zst += c.zst;
      all.disk += c.disk;
      all.first = std::min(all.first, c.first);
      all.last = std::max(all.last, c.last);
    }
    progress.done();
    const SessionInfo& s = t.dir.session();
    all.disk += size_of(t.dir.path() + "/ariadne.session");
    std::printf("Recording    %s\n", t.dir.path().c_str());
    std::printf("Command      %s\n", join(s.argv).c_str());
    std::printf("Arch         %s\n", s.arch.empty() ? "?" : s.arch.c_str());
    std::printf("Format       version %u\n", s.version);
    if (s.start_unix_ns != 0) std::printf("Started      %s\n", utc(s.start_unix_ns).c_str());
    if (all.first <= all.last)
      std::printf("Duration     %s (first to last event)\n", format_duration(all.last - all.first).c_str());
    std::printf("Exit         %s\n", s.ended ? exit_text(s.exit_kind, s.exit_value).c_str()
                                             : "not recorded (the recording did not finish)");
    const std::vector<std::string> options = options_in_words(s.options);
    for (std::size_t i = 0; i < options.size(); ++i)
      std::printf("%-13s%s\n", i == 0 ? "Options" : "", options[i].c_str());
    if (!s.libraries.empty())
      std::printf("Libraries    %zu shared object%s, checked by build-id at replay\n", s.libraries.size(),
                  s.libraries.size() == 1 ? "" : "s");
    for (const tracefile::SessionLibrary& lib : s.libraries)
      std::printf("             %s %s%s\n", lib.path.c_str(),
                  lib.build_id.empty() ? "(no build-id)" : lib.build_id.substr(0, 12).c_str(),
                  lib.dlopened ? " (dlopen)" : "");
    std::printf("Processes    %zu\n", t.dir.processes().size());
    std::printf("Events       %llu\n", static_cast<unsigned long long>(all.events));
    std::printf("Calls        %llu\n", static_cast<unsigned long long>(all.calls));
    if (all.lost > 0) std::printf("Lost events  %llu\n", static_cast<unsigned long long>(all.lost));
    if (all.unhooked > 0)
      std::printf("Unhooked     %llu calls got no return hook: their exits were not traced\n",
                  static_cast<unsigned long long>(all.unhooked));
    std::printf("Segments     %llu raw, %llu compressed\n", static_cast<unsigned long long>(all.raw),
                static_cast<unsigned long long>(all.zst));
    std::printf("On disk      %s (%llu bytes)\n", bytes_text(all.disk).c_str(),
                static_cast<unsigned long long>(all.disk));
    if (all.calls > 0)
      std::printf("Per call     %.2f bytes\n",
                  static_cast<double>(all.disk) / static_cast<double>(all.calls));
    for (std::size_t i = 0; i < t.dir.processes().size(); ++i) {
      const auto& p = t.dir.processes()[i];
      if (!o->sel.process(p)) continue;
      const Counts& c = per[i];
      std::string rel = fmt::format("parent {}", p.ppid);
      if (p.forked_from != 0) rel += fmt::format(", forked from {}", p.forked_from);
      if (!p.execd_from.empty()) rel += fmt::format(", exec'd from {}", p.execd_from);
      std::printf("\nProcess %s: pid %u, %s\n", p.key.c_str(), p.pid, rel.c_str());
      std::printf("  Command    %s\n", join(p.argv).c_str());
      std::printf("  Arch       %s, clock %s at %.0f Hz\n", p.arch.c_str(),
                  p.clock == ClockKind::cntvct  ? "cntvct"
                  : p.clock == ClockKind::rdtsc ? "rdtsc"
                                                : "monotonic",
                  p.counter_hz);
      // An image replaced by exec has no end of its own: the next image of the pid follows it.
      const bool replaced = i + 1 < t.dir.processes().size() && t.dir.processes()[i + 1].pid == p.pid &&
                            t.dir.processes()[i + 1].key.find('.') != std::string::npos;
      // A process that could not write its end (SIGKILL, _exit) but is the
      // one `ariadne record` started and saw end: the session's status.
      const bool prog = s.ended && s.pid != 0 && p.pid == s.pid;
      std::printf("  Exit       %s\n",
                  p.ended    ? exit_text(p.exit_kind, p.exit_value).c_str()
                  : replaced ? "replaced by exec"
                  : prog ? (exit_text(s.exit_kind, s.exit_value) + " (seen by `ariadne record`: the process "
                                                                   "could not record its end)")
                               .c_str()
                         : "not recorded (killed, or still running when the recording ended)");
      std::string tids;
      for (const auto& th : p.threads) tids += fmt::format("{}{}", tids.empty() ? "" : " ", th.tid);
      std::printf("  Threads    %zu: %s\n", p.threads.size(), tids.c_str());
      std::printf("  Events     %llu, calls %llu\n", static_cast<unsigned long long>(c.events),
                  static_cast<unsigned long long>(c.calls));
      if (c.unhooked > 0)
        std::printf("  Unhooked   %llu calls (no return hook: exits not traced)\n",
                    static_cast<unsigned long long>(c.unhooked));
      std::printf("  Segments   %llu raw, %llu compressed, %s on disk\n",
                  static_cast<unsigned long long>(c.raw), static_cast<unsigned long long>(c.zst),
                  bytes_text(c.disk).c_str());
      for (std::size_t m = 0; m < p.modules.size(); ++m) {
        const auto& mod = p.modules[m];
        if (mod.path.empty()) continue;
        std::printf("  Module     %s base %#llx build-id %s\n", mod.path.c_str(),
                    static_cast<unsigned long long>(mod.base),
                    mod.build_id.empty() ? "(none)" : mod.build_id.c_str());
      }
      std::printf("  Sites      %zu\n", p.sites.size());
    }
    print_replay_log(t.dir.path());
    if (o->events) print_replay_events(t.dir.path());
    finish(t.problems);
  });
}

}  // namespace ariadne::cli
