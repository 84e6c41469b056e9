// walk_fibers (TraceDir.hpp): the calls of every stack that is not a
// thread's own, as one timeline per stack. A fiber that yields on one thread
// and resumes on another leaves its entries in the first thread's stream and
// its exits in the second's; each stack_switch names the stack and its run
// (the writer counts them per stack), so the runs, gathered from every
// thread, put the fiber's events back in order whatever the threads' clocks
// say. Then the entries and exits pair up per stack, as a thread's do.
#include <fmt/format.h>

#include <map>
#include <vector>

#include "tracefile/CallWalker.hpp"
#include "tracefile/SegmentDecoder.hpp"

namespace ariadne::tracefile {

namespace {

// One entry or exit of a fiber, as compact as it can be held.
struct HeldEvent {
  std::uint64_t ns;
  std::uint64_t offset;
  const std::string* file;
  std::uint32_t site;
  std::uint32_t values;  // index into Fiber::values + 1; 0: none
  Event kind;
};

struct Run {
  std::uint32_t tid = 0;
  std::uint32_t open = 0;  // calls open on the stack when it started
  std::vector<HeldEvent> events;
};

struct Fiber {
  std::map<std::uint64_t, Run> runs;  // by run number
  std::vector<std::vector<Value>> values;
};

class Pairer {
 public:
  Pairer(CallWalker& w, bool lossy, std::vector<Problem>& problems)
      : w_(w), lossy_(lossy), problems_(problems) {}

  void start_run(std::uint64_t id, std::uint64_t number, const Run& r) {
    if (open_.size() != r.open) {
      if (!lossy_ && !r.events.empty())
        problems_.push_back({*r.events.front().file, r.events.front().offset,
                             fmt::format("expected {} calls open on fiber {} at its run {} (from its earlier "
                                         "runs), found {} in its stack_switch",
                                         open_.size(), id, number, r.open)});
      open_.resize(r.open, kUnknownSite);
    }
  }

  void event(std::uint64_t id, const HeldEvent& h, const Fiber& f) {
    e_.kind = h.kind;
    e_.ns = h.ns;
    e_.file = h.file;
    e_.offset = h.offset;
    e_.values.clear();
    if (h.values != 0) e_.values = f.values[h.values - 1];
    if (h.kind == Event::entry || h.kind == Event::entry_args) {
      e_.site = h.site;
      e_.depth = static_cast<std::uint32_t>(open_.size());
      open_.push_back(h.site);
    } else if (open_.empty()) {
      if (!lossy_)
        problems_.push_back({*h.file, h.offset,
                             fmt::format("expected an exit to close an open call of fiber {}, found an exit "
                                         "with no call open",
                                         id)});
      return;
    } else {
      e_.site = open_.back();
      open_.pop_back();
      e_.depth = static_cast<std::uint32_t>(open_.size());
    }
    w_.on_event(e_);
  }

 private:
  CallWalker& w_;
  bool lossy_;
  std::vector<Problem>& problems_;
  std::vector<std::uint32_t> open_;
  TraceEvent e_;
};

}  // namespace

void walk_fibers(const TraceDir& dir, const ProcessInfo& p, FiberVisitor& v, std::vector<Problem>& problems) {
  if (!p.switches_stacks) return;
  std::map<std::uint64_t, Fiber> fibers;
  bool lossy = false;          // events were lost: gaps are said already
  std::vector<Problem> again;  // the threads' own walks report the damage
  for (const ThreadInfo& t : p.threads) {
    Fiber* fiber = nullptr;
    Run* run = nullptr;
    stream_thread(
        p, t,
        [&](const TraceEvent& e) {
          if (e.kind == Event::lost) lossy = true;
          if (e.kind == Event::stack_switch) {
            if (e.stack_id == 0) {
              run = nullptr;
              return true;
            }
            fiber = &fibers[e.stack_id];
            const auto [it, fresh] = fiber->runs.try_emplace(e.number);
            run = &it->second;
            if (fresh) {
              run->tid = t.tid;
              run->open = e.depth;
            }
            return true;
          }
          if (e.stack_id == 0 || run == nullptr || !is_call_event(e.kind)) return true;
          std::uint32_t values = 0;
          if (!e.values.empty()) {
            fiber->values.push_back(e.values);
            values = static_cast<std::uint32_t>(fiber->values.size());
          }
          run->events.push_back(HeldEvent{e.ns, e.offset, e.file, e.site, values, e.kind});
          return true;
        },
        again, nullptr);
  }
  for (auto& [id, fiber] : fibers) {
    std::vector<std::uint32_t> tids;
    for (const auto& [number, run] : fiber.runs) {
      bool seen = false;
      for (const auto tid : tids) seen = seen || tid == run.tid;
      if (!seen) tids.push_back(run.tid);
    }
    CallWalker w(v.begin_fiber(id, tids));
    Pairer pairer(w, lossy, problems);
    for (const auto& [number, run] : fiber.runs) {
      pairer.start_run(id, number, run);
      for (const HeldEvent& h : run.events) pairer.event(id, h, fiber);
    }
    w.finish();
    v.end_fiber(id);
  }
  (void)dir;
}

}  // namespace ariadne::tracefile
