// Chrome Trace Event Format (JSON object form), the format Perfetto UI and
// chrome://tracing open. Written while the trace is read: memory stays at
// the depth of the deepest call stack whatever the size of the trace.
//
// Every call is a "B" event at its entry and an "E" event at its exit, on
// the pid and tid it was recorded with; the writer keeps its own stack per
// thread so every B gets its E, properly nested, even when the reader
// reports a damaged stream. Captured arguments go in the B event's args,
// the return value in the E's. Fork, exec, signals, lost events and thread
// start/exit are instant ("i") events; process and thread names are "M"
// metadata events.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {

// Names for captured values (`record -a`: from DWARF). False from either:
// the values go out as captured (arg1, arg2..., retval).
class ValueNames {
 public:
  virtual ~ValueNames() = default;
  virtual bool arguments(const tracefile::ProcessInfo& p, const tracefile::Call& c,
                         std::vector<std::pair<std::string, std::string>>& named) = 0;
  virtual bool return_value(const tracefile::ProcessInfo& p, const tracefile::Call& c, std::string& text) = 0;
};

class ChromeTraceWriter : public tracefile::CallVisitor {
 public:
  // Timestamps are written in µs (with ns decimals) from `origin_ns`.
  ChromeTraceWriter(std::FILE* out, std::uint64_t origin_ns);

  void begin(const tracefile::SessionInfo& session);
  void set_value_names(ValueNames* names) { value_names_ = names; }
  void name_process(std::uint32_t pid, const std::string& name);
  void name_thread(std::uint32_t pid, std::uint32_t tid, const std::string& name);

  // Then, per thread: begin_thread, walk_calls(..., *this, ...), end_thread.
  void begin_thread(const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t);
  void on_enter(const tracefile::Call& c) override;
  void on_exit(const tracefile::Call& c) override;
  void on_event(const tracefile::TraceEvent& e) override;
  void end_thread();  // closes what is still open at the last timestamp seen

  // Ends the JSON document; false if any write failed.
  bool finish();

  std::uint64_t events_written() const { return events_; }

 private:
  struct Open {
    std::uint32_t site, depth;
  };
  void event_head(char phase, std::uint64_t ns);  // {"ph":..,"pid":..,"tid":..,"ts":..
  void close_top(std::uint64_t ns, const tracefile::Call* c);
  void end_event();
  void flush_if_full();
  const std::string& quoted_name(std::uint32_t site);  // the site's name as a JSON string, cached

  std::FILE* out_;
  std::uint64_t origin_ns_;
  std::string buffer_;
  bool ok_ = true;
  std::uint64_t events_ = 0;
  const tracefile::ProcessInfo* process_ = nullptr;
  ValueNames* value_names_ = nullptr;
  std::uint32_t tid_ = 0;
  std::uint64_t last_ns_ = 0;  // never go back in time within a thread
  std::vector<Open> open_;
  const tracefile::ProcessInfo* process_of_names_ = nullptr;
  std::unordered_map<std::uint32_t, std::string> names_;
};

}  // namespace ariadne::analysis
