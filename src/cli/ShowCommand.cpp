// ariadne show DIR: each thread's calls as an indented tree, with durations
// and captured values, like `uftrace replay`; then each fiber's (its calls on
// whichever threads it ran, walk_fibers), the fiber's id in the TID column
// as "f<id>". A call with no traced callees
// is one line ("f(1) = 2;"); one is only known to be a leaf when its exit is
// the next thing in the stream, so the entry line is held back by one event.
// Lines are indented by the calls shown around them, not by the recorded
// depth: with -F (or --since) the outermost call shown is at depth 0, as in
// `uftrace replay -F`.

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "analysis/AutoArgs.hpp"
#include "analysis/SourceLines.hpp"
#include "cli/Commands.hpp"
#include "cli/TraceCommon.hpp"
#include "tracefile/FunctionName.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

struct Filters {
  std::uint64_t since = 0, until = UINT64_MAX;  // relative to the recording's start
  Regex only, hide;
};

std::string args_text(const std::vector<Value>& args) {
  std::string s;
  for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].format();
  return s;
}

class Printer : public CallVisitor {
 public:
  // `lane`: what the TID column shows (the tid, or f<id> for a fiber).
  // `lines`: source locations to show after each call (--srcline), or nullptr.
  // `arguments`: -a's layouts to show values by (name: value), or nullptr.
  Printer(const ProcessInfo& p, std::string lane, std::uint64_t origin, const Filters& f,
          analysis::SourceLines* lines, analysis::ProcessArguments* arguments)
      : p_(p), lane_(std::move(lane)), origin_(origin), f_(f), lines_(lines), arguments_(arguments) {}

  void on_enter(const Call& c) override {
    flush_pending();
    const std::size_t d = c.depth;
    if (state_.size() <= d) state_.resize(d + 1);
    const State* parent = d > 0 ? &state_[d - 1] : nullptr;
    State& s = state_[d];
    const std::string& name = p_.site_name(c.site);
    s.in_only = !f_.only.set || (parent != nullptr && parent->in_only) || only_(c.site);
    s.hidden = (parent != nullptr && parent->hidden) || (f_.hide.set && hide_(c.site));
    const std::uint64_t rel = c.begin_ns - origin_;
    s.shown = s.in_only && !s.hidden && rel >= f_.since && rel < f_.until;
    s.level = parent != nullptr ? parent->level + (parent->shown ? 1 : 0) : 0;
    if (!s.shown) return;
    pending_ = true;
    pending_depth_ = d;
    pending_text_ = fmt::format("{}({})", function_base_name(name), arguments(c));
    pending_note_ = c.inherited ? " /* open at the fork */" : "";
    if (lines_ != nullptr) {
      const std::string& where = lines_->at(c.site);
      if (!where.empty()) pending_note_ += " /* " + where + " */";
    }
  }

  void on_exit(const Call& c) override {
    const std::size_t d = c.depth;
    if (d >= state_.size() || !state_[d].shown) return;
    const std::string dur = c.complete ? format_duration(c.end_ns - c.begin_ns) : "";
    std::string tail;
    if (!c.retval.empty()) {
      const analysis::FunctionLayout* layout = arguments_ != nullptr ? arguments_->layout(c.site) : nullptr;
      tail =
          " = " + (layout != nullptr ? analysis::format_return(*layout, c.retval[0]) : c.retval[0].format());
    }
    std::string note;
    if (!c.complete) note = " /* not returned: the recording ends */";
    if (c.unwound) note = " /* unwound */";
    if (pending_ && pending_depth_ == d) {
      pending_ = false;
      line(dur, state_[d].level, pending_text_ + tail + ";" + pending_note_ + note);
    } else {
      flush_pending();
      line(dur, state_[d].level,
           "}" + tail + " /* " + function_base_name(p_.site_name(c.site)) + " */" + note);
    }
  }

  void on_event(const TraceEvent& e) override {
    flush_pending();
    const std::uint64_t rel = e.ns - origin_;
    if (rel < f_.since || rel >= f_.until) return;
    // Events belong to the innermost call shown, if any filter is on.
    const std::size_t d = open_depth();
    if (d > 0 && !state_[d - 1].shown) return;
    if (d == 0 && f_.only.set) return;
    std::string what;
    switch (e.kind) {
      case Event::thread_start:
        what = e.number != 0 ? fmt::format("thread start (parent {})", e.number) : "thread start";
        break;
      case Event::thread_exit:
        what = "thread exit";
        break;
      case Event::fork:
        what = fmt::format("fork: child {}", e.number);
        break;
      case Event::fork_child:
        what = fmt::format("forked from {}", e.number);
        break;
      case Event::exec:
        what = fmt::format("exec \"{}\"", e.text);
        break;
      case Event::exec_failed:
        what = fmt::format("exec failed: errno {}", e.number);
        break;
      case Event::signal:
        what = fmt::format("signal {}", e.number);
        break;
      case Event::lost:
        what = fmt::format("LOST {} events", e.number);
        break;
      case Event::stack_switch:
        what = e.stack_id != 0 ? fmt::format("fiber {} runs", e.stack_id) : "back on the thread's stack";
        break;
      default:
        return;  // clock: nothing to show
    }
    line("", d > 0 ? state_[d - 1].level + 1 : 0, "/* " + what + " */");
  }

  void finish() { flush_pending(); }

  void set_depth_hint(std::size_t d) { depth_hint_ = d; }

 private:
  struct State {
    bool in_only = true, hidden = false, shown = false;
    std::size_t level = 0;  // the depth it is shown at: how many of its callers are shown
  };

  // The arguments by DWARF (-a), or as captured when there is none for them.
  std::string arguments(const Call& c) {
    const analysis::FunctionLayout* layout = arguments_ != nullptr ? arguments_->layout(c.site) : nullptr;
    if (layout == nullptr) return args_text(c.args);
    bool fits = false;
    std::string text = analysis::format_arguments(*layout, c.args, fits);
    return fits ? text : args_text(c.args);
  }

  // Open calls right now: the depth of the last entry seen minus closed ones
  // is not tracked separately; the last shown/entered depth serves.
  std::size_t open_depth() const { return depth_hint_; }

  void flush_pending() {
    if (!pending_) return;
    pending_ = false;
    line("", state_[pending_depth_].level, pending_text_ + " {" + pending_note_);
  }

  // Indentation stops at kMaxIndent levels (deeper lines say their depth):
  // 2 spaces per level of a 100,000-deep recursion would make the output
  // quadratic in the depth (gigabytes for one thread).
  static constexpr std::size_t kMaxIndent = 64;
  void line(const std::string& dur, std::size_t depth, const std::string& text) {
    const int indent = static_cast<int>(2 * std::min(depth, kMaxIndent));
    if (depth > kMaxIndent) {
      std::printf("%12s [%6s] | %*s[depth %zu] %s\n", dur.c_str(), lane_.c_str(), indent, "", depth,
                  text.c_str());
    } else {
      std::printf("%12s [%6s] | %*s%s\n", dur.c_str(), lane_.c_str(), indent, "", text.c_str());
    }
  }

  const ProcessInfo& p_;
  std::string lane_;
  std::uint64_t origin_;
  const Filters& f_;
  analysis::SourceLines* lines_;
  analysis::ProcessArguments* arguments_;
  std::vector<State> state_;
  SiteMatch only_{p_, f_.only}, hide_{p_, f_.hide};
  bool pending_ = false;
  std::size_t pending_depth_ = 0, depth_hint_ = 0;
  std::string pending_text_, pending_note_;
};

// Tracks the open depth for Printer's events (walk_calls reports it on
// entries and exits only).
class DepthTracker : public CallVisitor {
 public:
  explicit DepthTracker(Printer& p) : p_(p) {}
  void on_enter(const Call& c) override {
    p_.on_enter(c);
    p_.set_depth_hint(c.depth + 1);
  }
  void on_exit(const Call& c) override {
    p_.on_exit(c);
    p_.set_depth_hint(c.depth);
  }
  void on_event(const TraceEvent& e) override { p_.on_event(e); }

 private:
  Printer& p_;
};

}  // namespace

void add_show_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "show",
      "Each thread's calls of a recording as an indented tree with durations and captured arguments and "
      "return values (like `uftrace replay`); those of a recording made with `record -a` as name: value by "
      "their DWARF types, read from the recorded files while they are unchanged.\nTimes for --since/--until "
      "are relative to the start of the "
      "recording: 1.5ms, 200us, 2s, 100ns.\nExit status: 0; 1 if the recording is damaged (problems on "
      "stderr, the output shows what is intact); 2 if DIR is not a recording.");
  struct Opts {
    std::string dir = "ariadne.data";
    std::string since, until, only, hide;
    bool srcline = false;
    Selection sel;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  o->sel.add_options(*cmd);
  cmd->add_option("--since", o->since, "Only calls and events from this time on");
  cmd->add_option("--until", o->until, "Only calls and events before this time");
  cmd->add_option(
      "-F,--filter", o->only,
      "Only calls of functions matching REGEX and their callees (the outermost one shown at depth 0)");
  cmd->add_option("-N,--notrace", o->hide, "Hide calls of functions matching REGEX and their callees");
  cmd->add_flag("--srcline", o->srcline,
                "After each call, its function's source file and line /* file.c:12 */ (from the DWARF line "
                "table: programs built with -g)");
  cmd->callback([o] {
    Filters f;
    if (!o->since.empty() && !parse_duration(o->since, f.since)) {
      std::fprintf(stderr, "ariadne: --since '%s': expected a duration like 1.5ms\n", o->since.c_str());
      throw CommandExit{kStatusNotRecording};
    }
    if (!o->until.empty() && !parse_duration(o->until, f.until)) {
      std::fprintf(stderr, "ariadne: --until '%s': expected a duration like 1.5ms\n", o->until.c_str());
      throw CommandExit{kStatusNotRecording};
    }
    if (!o->only.empty()) f.only.compile(o->only, "-F");
    if (!o->hide.empty()) f.hide.compile(o->hide, "-N");
    OpenTrace t = open_trace(o->dir);
    o->sel.check(t.dir, o->dir);
    bool first = true;
    analysis::SourceLinesByProcess lines_of(o->srcline);
    analysis::ArgumentsByProcess arguments_of(t.dir.session());
    o->sel.for_each_thread(t.dir, [&](const ProcessInfo& p, const ThreadInfo& th) {
      std::printf("%s# process %u (%s), thread %u\n", first ? "" : "\n", p.pid, p.key.c_str(), th.tid);
      std::printf("%12s [%6s] | %s\n", "# DURATION", "TID", "FUNCTION");
      first = false;
      Printer printer(p, std::to_string(th.tid), t.dir.start_ns(), f, lines_of(p), arguments_of(p));
      DepthTracker tracker(printer);
      walk_calls(t.dir, p, th, tracker, t.problems);
      printer.finish();
    });
    std::optional<Printer> printer;
    std::optional<DepthTracker> tracker;
    walk_selected_fibers(
        t.dir, o->sel, t.problems,
        [&](const ProcessInfo& p, std::uint64_t id, const std::vector<std::uint32_t>& tids) -> CallVisitor& {
          std::string on;
          for (const auto tid : tids) on += fmt::format("{}{}", on.empty() ? "" : " ", tid);
          std::printf("%s# process %u (%s), fiber %llu (on thread%s %s)\n", first ? "" : "\n", p.pid,
                      p.key.c_str(), static_cast<unsigned long long>(id), tids.size() == 1 ? "" : "s",
                      on.c_str());
          std::printf("%12s [%6s] | %s\n", "# DURATION", "FIBER", "FUNCTION");
          first = false;
          printer.emplace(p, fmt::format("f{}", id), t.dir.start_ns(), f, lines_of(p), arguments_of(p));
          return tracker.emplace(*printer);
        },
        [&] { printer->finish(); });
    finish(t.problems);
  });
}

}  // namespace ariadne::cli
