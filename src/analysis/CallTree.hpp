// Calls aggregated by call path, the data behind the folded stacks and the
// HTML flame graph of `ariadne dump` and behind `ariadne graph`. For dump
// (CallTreeBuilder), the root ("all") has one child per process image
// ("prog [pid]"), each with one child per thread ("thread TID"); below
// those, one node per distinct path of function names. `ariadne graph` puts
// the calls it aggregates directly under the root and never calls finish().
// Memory grows with the number of distinct paths, not with the trace.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {

class CallTree {
 public:
  struct Node {
    std::uint32_t name = 0;    // index into names()
    std::uint32_t parent = 0;  // the root is its own parent
    std::uint32_t depth = 0;   // root 0, processes 1, threads 2, outermost calls 3
    std::uint64_t calls = 0;
    std::uint64_t total_ns = 0;  // thread, process, root: their children's sum (after finish())
    std::uint64_t self_ns = 0;
  };
  static constexpr std::uint32_t kRoot = 0;

  CallTree();

  std::uint32_t intern(std::string_view name);
  std::uint32_t child(std::uint32_t parent, std::uint32_t name);
  std::uint32_t child(std::uint32_t parent, std::string_view name) { return child(parent, intern(name)); }
  void add_call(std::uint32_t node, std::uint64_t total_ns, std::uint64_t self_ns);
  // Figures already summed over `calls` calls (a node copied from another tree).
  void add_calls(std::uint32_t node, std::uint64_t calls, std::uint64_t total_ns, std::uint64_t self_ns);
  // Once every call is in: the totals of the thread, process and root nodes.
  void finish();

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::string& name_of(std::uint32_t node) const { return names_[nodes_[node].name]; }

 private:
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> name_index_;
  std::unordered_map<std::uint64_t, std::uint32_t> children_;  // (parent << 32 | name) -> node
};

// The calls under `function` aggregated into one graph, as `ariadne graph
// FUNC` draws it, made from a finished tree instead of the recording: every
// node of `function` with no caller of the same name is merged, with all it
// calls, under one node below the root. Empty (the root only) if no node has
// that name.
CallTree callee_graph(const CallTree& tree, std::string_view function);

// Display names shared by every dump format.
std::string process_label(const tracefile::ProcessInfo& p);  // "prog [pid]"
std::string thread_label(const tracefile::ThreadInfo& t);    // "thread TID"

// Feeds one thread's calls into a CallTree: call begin_thread() before
// walk_calls() for each thread.
class CallTreeBuilder : public tracefile::CallVisitor {
 public:
  explicit CallTreeBuilder(CallTree& tree) : tree_(tree) {}

  void begin_thread(const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t);
  // A timeline that is not a thread's (a fiber: walk_fibers), under `label`.
  void begin_lane(const tracefile::ProcessInfo& p, const std::string& label);
  void on_enter(const tracefile::Call& c) override;
  void on_exit(const tracefile::Call& c) override;

 private:
  std::uint32_t name_of_site(std::uint32_t site);
  // Makes path_ end with the node of the call at `depth`'s parent, rebuilding
  // it from the call's stack when the walk skipped frames (a damaged segment).
  void reach_parent_of(const tracefile::Call& c);

  CallTree& tree_;
  const tracefile::ProcessInfo* process_ = nullptr;
  std::unordered_map<std::uint32_t, std::uint32_t> site_names_;  // site id -> CallTree name index
  std::uint32_t process_node_ = 0;
  std::vector<std::uint32_t> path_;  // [thread node, outermost call's node, ...]
};

}  // namespace ariadne::analysis
