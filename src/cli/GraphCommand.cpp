// ariadne graph DIR [FUNC]: the calls under FUNC (a name or a regex)
// aggregated into one tree, like `uftrace graph`: each node is a path of
// function names from FUNC, with how often it was called and the time spent
// in it. Without FUNC, the tree under every outermost call. Calls open at the
// end of the recording count with the time recorded so far.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <unordered_map>

#include "analysis/CallTree.hpp"
#include "cli/Commands.hpp"
#include "cli/TraceCommon.hpp"
#include "tracefile/FunctionName.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

class Builder : public CallVisitor {
 public:
  Builder(const ProcessInfo& p, analysis::CallTree& g, const Regex* func, const std::string& exact)
      : p_(p), g_(g), func_(func), exact_(exact) {}

  void on_enter(const Call& c) override {
    if (c.inherited) {  // counted in the parent process
      stack_.push_back(kNone);
      return;
    }
    const std::uint32_t top = stack_.empty() ? kNone : stack_.back();
    std::uint32_t node = kNone;
    if (top != kNone) {
      node = g_.child(top, p_.site_name(c.site));
    } else if (func_ == nullptr ? stack_.empty() || all_inherited() : selected(c.site)) {
      node = g_.child(analysis::CallTree::kRoot, p_.site_name(c.site));
    }
    stack_.push_back(node);
  }

  void on_event(const TraceEvent& e) override {
    if (e.kind == Event::lost) lost += e.number;
  }

  void on_exit(const Call& c) override {
    if (stack_.empty()) return;
    const std::uint32_t node = stack_.back();
    stack_.pop_back();
    if (node == kNone) return;
    const std::uint64_t total = c.end_ns - c.begin_ns;
    g_.add_call(node, total, total > c.child_ns ? total - c.child_ns : 0);  // self: unused here
  }

  std::uint64_t lost = 0;

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  bool all_inherited() const {
    return std::all_of(stack_.begin(), stack_.end(), [](std::uint32_t n) { return n == kNone; });
  }

  bool selected(std::uint32_t site) {
    const auto it = cache_.find(site);
    if (it != cache_.end()) return it->second;
    const std::string& name = p_.site_name(site);
    // FUNC as typed: the full demangled name, or the name without its
    // parameter list ("worker" for "worker(int, int)").
    const std::string base = function_base_name(name);
    return cache_[site] = name == exact_ || base == exact_ || func_->match(name) || func_->match(base);
  }

  const ProcessInfo& p_;
  analysis::CallTree& g_;
  const Regex* func_;
  std::string exact_;
  std::vector<std::uint32_t> stack_;
  std::unordered_map<std::uint32_t, bool> cache_;
};

// The calls under each node, heaviest first; names break ties so the
// output is stable.
std::vector<std::vector<std::uint32_t>> children_by_time(const analysis::CallTree& g) {
  const auto& nodes = g.nodes();
  std::vector<std::vector<std::uint32_t>> kids(nodes.size());
  for (std::uint32_t i = 1; i < nodes.size(); ++i) kids[nodes[i].parent].push_back(i);
  for (auto& k : kids) {
    std::sort(k.begin(), k.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (nodes[a].total_ns != nodes[b].total_ns) return nodes[a].total_ns > nodes[b].total_ns;
      return g.name_of(a) < g.name_of(b);
    });
  }
  return kids;
}

void print(const analysis::CallTree& g, const std::vector<std::vector<std::uint32_t>>& kids, std::uint32_t n,
           const std::string& prefix, bool last, bool top) {
  const auto& node = g.nodes()[n];
  std::printf("%12s %10llu : %s%s%s\n", format_duration(node.total_ns).c_str(),
              static_cast<unsigned long long>(node.calls), prefix.c_str(), top ? "" : "+-- ",
              g.name_of(n).c_str());
  const std::string next = top ? prefix : prefix + (last ? "    " : "|   ");
  for (std::size_t k = 0; k < kids[n].size(); ++k)
    print(g, kids, kids[n][k], next, k + 1 == kids[n].size(), false);
}

}  // namespace

void add_graph_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "graph",
      "The calls under FUNC (a function name or an extended regular expression) aggregated into one call "
      "graph, like `uftrace graph`: per path, the number of calls and the total time. Without FUNC, the "
      "graph under each outermost call of every thread.\nExit status: 0; 1 if the recording is damaged "
      "(problems on stderr); 2 if DIR is not a recording or FUNC is not a valid regex.");
  struct Opts {
    std::string dir = "ariadne.data";
    std::string func;
    Selection sel;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  cmd->add_option("FUNC", o->func, "The function (name or regex) whose callees to show");
  o->sel.add_options(*cmd);
  cmd->callback([o] {
    Regex re;
    const bool use_re = !o->func.empty();
    // Anchored: "main" means main, not every name containing it.
    if (use_re) re.compile("^(" + o->func + ")$", "FUNC", &o->func);
    OpenTrace t = open_trace(o->dir);
    Progress progress("graph", selected_bytes(t.dir, o->sel));
    attach(t.dir, progress);
    // The calls under FUNC (or every outermost call) directly below the
    // tree's root; no process or thread levels, no finish().
    analysis::CallTree g;
    std::uint64_t lost = 0;
    o->sel.for_each_thread(t.dir, [&](const ProcessInfo& p, const ThreadInfo& th) {
      Builder b(p, g, use_re ? &re : nullptr, o->func);
      walk_calls(t.dir, p, th, b, t.problems);
      lost += b.lost;
    });
    std::optional<Builder> fiber;
    walk_selected_fibers(
        t.dir, o->sel, t.problems,
        [&](const ProcessInfo& p, std::uint64_t, const std::vector<std::uint32_t>&) -> CallVisitor& {
          return fiber.emplace(p, g, use_re ? &re : nullptr, o->func);
        },
        [] {});
    progress.done();
    const auto kids = children_by_time(g);
    if (use_re && kids[analysis::CallTree::kRoot].empty()) {
      std::printf("# no calls of '%s'\n", o->func.c_str());
    } else {
      std::printf("# Call graph%s\n", use_re ? fmt::format(" under '{}'", o->func).c_str() : "");
      std::printf("%12s %10s : %s\n", "# TOTAL TIME", "CALLS", "FUNCTION");
      for (const auto r : kids[analysis::CallTree::kRoot]) print(g, kids, r, "", true, true);
    }
    say_lost_events(lost);
    finish(t.problems);
  });
}

}  // namespace ariadne::cli
