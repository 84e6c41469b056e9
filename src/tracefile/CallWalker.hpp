// The call walker behind walk_calls and walk_fibers (TraceDir.hpp): paired
// entries and exits in, calls out. The frames are reused from call to call,
// so walking allocates only while the stack grows deeper than it has been.
#pragma once

#include <vector>

#include "tracefile/SegmentDecoder.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

class CallWalker {
 public:
  explicit CallWalker(CallVisitor& v) : v_(v) {}

  bool on_event(const TraceEvent& e) {
    last_ns_ = e.ns;
    if (e.stack_id != 0 && is_call_event(e.kind)) return true;  // another stack's: walk_fibers
    switch (e.kind) {
      case Event::entry:
      case Event::entry_args:
        close_above(e.depth, e.ns);
        push(e.site, e.ns, false, e.values);
        break;
      case Event::exit:
      case Event::exit_unwound:
      case Event::exit_retval:
        // An exit for a call whose entry was lost closes nothing we know.
        if (e.depth < top_) {
          close_above(e.depth + 1, e.ns);
          Call& c = frames_[top_ - 1];
          c.end_ns = e.ns;
          c.complete = true;
          c.unwound = e.kind == Event::exit_unwound;
          if (e.kind == Event::exit_retval) c.retval = e.values;
          pop();
        }
        break;
      case Event::fork_child:
        v_.on_event(e);
        close_above(0, e.ns);
        for (const auto site : e.stack) push(site, e.ns, true, kNoValues);
        break;
      default:
        v_.on_event(e);
        break;
    }
    return true;
  }

  void finish() { close_above(0, last_ns_); }

 private:
  static inline const std::vector<Value> kNoValues{};

  void push(std::uint32_t site, std::uint64_t ns, bool inherited, const std::vector<Value>& args) {
    if (frames_.size() == top_) frames_.emplace_back();
    sites_.resize(top_ + 1);
    sites_[top_] = site;
    Call& c = frames_[top_];
    c.site = site;
    c.depth = static_cast<std::uint32_t>(top_);
    c.begin_ns = c.end_ns = ns;
    c.child_ns = 0;
    c.complete = true;
    c.unwound = false;
    c.inherited = inherited;
    if (!args.empty() || !c.args.empty()) c.args = args;
    if (!c.retval.empty()) c.retval.clear();
    c.stack = &sites_;
    ++top_;
    v_.on_enter(c);
  }

  void pop() {
    Call& c = frames_[top_ - 1];
    v_.on_exit(c);
    --top_;
    sites_.resize(top_);
    if (top_ > 0) frames_[top_ - 1].child_ns += c.end_ns - c.begin_ns;
  }

  // Calls at depth >= `depth` that never saw their exit (entries after a
  // damaged stretch, or the end of the stream).
  void close_above(std::size_t depth, std::uint64_t ns) {
    while (top_ > depth) {
      Call& c = frames_[top_ - 1];
      c.end_ns = ns < c.begin_ns ? c.begin_ns : ns;
      c.complete = false;
      pop();
    }
  }

  CallVisitor& v_;
  std::vector<Call> frames_;
  std::vector<std::uint32_t> sites_;
  std::size_t top_ = 0;
  std::uint64_t last_ns_ = 0;
};

}  // namespace ariadne::tracefile
