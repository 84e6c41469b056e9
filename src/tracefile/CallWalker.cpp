// walk_calls: a thread's events as calls (TraceDir.hpp).
#include "tracefile/CallWalker.hpp"

namespace ariadne::tracefile {

bool walk_calls(const TraceDir& dir, const ProcessInfo& p, const ThreadInfo& t, CallVisitor& v,
                std::vector<Problem>& problems) {
  CallWalker w(v);
  const bool all = stream_thread(
      p, t, [&](const TraceEvent& e) { return w.on_event(e); }, problems, dir.progress);
  w.finish();
  return all;
}

}  // namespace ariadne::tracefile
