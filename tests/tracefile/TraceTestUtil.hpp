// Reading helpers shared by the reader tests: every event or call of a
// thread as one line of text, so expectations read like the trace.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile::test {

inline std::string describe(const ProcessInfo& p, const TraceEvent& e, std::uint64_t origin) {
  std::string s = fmt::format("{} ", e.ns - origin);
  switch (e.kind) {
    case Event::entry:
      s += fmt::format("entry {} d{}", p.site_name(e.site), e.depth);
      break;
    case Event::entry_args:
      s += fmt::format("entry {} d{}", p.site_name(e.site), e.depth);
      break;
    case Event::exit:
      s += fmt::format("exit {} d{}", p.site_name(e.site), e.depth);
      break;
    case Event::exit_unwound:
      s += fmt::format("unwound {} d{}", p.site_name(e.site), e.depth);
      break;
    case Event::exit_retval:
      s += fmt::format("exit {} d{}", p.site_name(e.site), e.depth);
      break;
    case Event::thread_start:
      s += fmt::format("thread_start {}", e.number);
      break;
    case Event::thread_exit:
      s += "thread_exit";
      break;
    case Event::fork:
      s += fmt::format("fork {}", e.number);
      break;
    case Event::fork_child:
      s += fmt::format("fork_child {}", e.number);
      break;
    case Event::exec:
      s += fmt::format("exec {}", e.text);
      break;
    case Event::exec_failed:
      s += fmt::format("exec_failed {}", e.number);
      break;
    case Event::signal:
      s += fmt::format("signal {}", e.number);
      break;
    case Event::lost:
      s += fmt::format("lost {}", e.number);
      break;
    case Event::clock:
      s += "clock";
      break;
    case Event::stack_switch:
      s += fmt::format("stack_switch {} run {} open {}", e.stack_id, e.number, e.depth);
      break;
    case Event::end:
      s += "end";
      break;
  }
  for (const auto& v : e.values) s += fmt::format(" {}", v.format());
  for (const auto site : e.stack) s += fmt::format(" {}", p.site_name(site));
  return s;
}

inline std::vector<std::string> events_of(const TraceDir& d, const ProcessInfo& p, const ThreadInfo& t,
                                          std::vector<Problem>& problems, bool relative = true) {
  std::vector<std::string> out;
  d.for_each_event(
      p, t,
      [&](const TraceEvent& e) {
        out.push_back(describe(p, e, relative ? d.start_ns() : 0));
        return true;
      },
      problems);
  return out;
}

inline std::string problems_text(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.text() + "\n";
  return s;
}

}  // namespace ariadne::tracefile::test
