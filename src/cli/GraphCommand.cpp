// ariadne graph DIR [FUNC]: the calls under FUNC (a name or a regex)
// aggregated into one tree, like `uftrace graph`: each node is a path of
// function names from FUNC, with how often it was called and the time spent
// in it. Without FUNC, the tree under every outermost call. Calls open at the
// end of the recording count with the time recorded so far.
#include <regex.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "cli/Commands.hpp"
#include "cli/TraceCommon.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

struct Node {
  std::string name;
  std::uint64_t calls = 0, total = 0;
  std::map<std::string, std::size_t> children;  // by name, into Graph::nodes
};

struct Graph {
  std::vector<Node> nodes{Node{}};  // nodes[0]: the (invisible) root
  std::size_t child(std::size_t parent, const std::string& name) {
    const auto it = nodes[parent].children.find(name);
    if (it != nodes[parent].children.end()) return it->second;
    nodes.push_back(Node{name, 0, 0, {}});
    const std::size_t i = nodes.size() - 1;
    nodes[parent].children.emplace(name, i);
    return i;
  }
};

class Builder : public CallVisitor {
 public:
  Builder(const ProcessInfo& p, Graph& g, const regex_t* func, const std::string& exact)
      : p_(p), g_(g), func_(func), exact_(exact) {}

  void on_enter(const Call& c) override {
    if (c.inherited) {  // counted in the parent process
      stack_.push_back(kNone);
      return;
    }
    const std::size_t top = stack_.empty() ? kNone : stack_.back();
    std::size_t node = kNone;
    if (top != kNone) {
      node = g_.child(top, p_.site_name(c.site));
    } else if (func_ == nullptr ? stack_.empty() || all_inherited() : selected(c.site)) {
      node = g_.child(0, p_.site_name(c.site));
    }
    stack_.push_back(node);
  }

  void on_exit(const Call& c) override {
    if (stack_.empty()) return;
    const std::size_t node = stack_.back();
    stack_.pop_back();
    if (node == kNone) return;
    g_.nodes[node].calls += 1;
    g_.nodes[node].total += c.end_ns - c.begin_ns;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  bool all_inherited() const {
    return std::all_of(stack_.begin(), stack_.end(), [](std::size_t n) { return n == kNone; });
  }

  bool selected(std::uint32_t site) {
    const auto it = cache_.find(site);
    if (it != cache_.end()) return it->second;
    const std::string& name = p_.site_name(site);
    // "ns::f" selects "ns::f(int)" too.
    const std::string shorter = without_parameters(name);
    return cache_[site] = name == exact_ || shorter == exact_ || ::regexec(func_, name.c_str(), 0, nullptr, 0) == 0 ||
                          ::regexec(func_, shorter.c_str(), 0, nullptr, 0) == 0;
  }

  const ProcessInfo& p_;
  Graph& g_;
  const regex_t* func_;
  std::string exact_;
  std::vector<std::size_t> stack_;
  std::unordered_map<std::uint32_t, bool> cache_;
};

void print(const Graph& g, std::size_t n, const std::string& prefix, bool last, bool top) {
  const Node& node = g.nodes[n];
  std::printf("%12s %10llu : %s%s%s\n", format_duration(node.total).c_str(),
              static_cast<unsigned long long>(node.calls), prefix.c_str(), top ? "" : (last ? "+-- " : "+-- "),
              node.name.c_str());
  const std::string next = top ? prefix : prefix + (last ? "    " : "|   ");
  // Children by time, heaviest first; names break ties so output is stable.
  std::vector<std::size_t> kids;
  for (const auto& [name, i] : node.children) kids.push_back(i);
  std::stable_sort(kids.begin(), kids.end(), [&](std::size_t a, std::size_t b) { return g.nodes[a].total > g.nodes[b].total; });
  for (std::size_t k = 0; k < kids.size(); ++k) print(g, kids[k], next, k + 1 == kids.size(), false);
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
    regex_t re{};
    const bool use_re = !o->func.empty();
    if (use_re) {
      // Anchored: "main" means main, not every name containing it.
      const std::string anchored = "^(" + o->func + ")$";
      const int rc = ::regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char why[256];
        ::regerror(rc, &re, why, sizeof why);
        std::fprintf(stderr, "ariadne: FUNC '%s': invalid regular expression: %s\n", o->func.c_str(), why);
        throw CommandExit{kStatusNotRecording};
      }
    }
    struct Free {
      regex_t* r;
      ~Free() {
        if (r != nullptr) ::regfree(r);
      }
    } free_re{use_re ? &re : nullptr};
    OpenTrace t = open_trace(o->dir);
    Progress progress("graph", selected_bytes(t.dir, o->sel));
    attach(t.dir, progress);
    Graph g;
    for (const auto& p : t.dir.processes()) {
      if (!o->sel.process(p)) continue;
      for (const auto& th : p.threads) {
        if (!o->sel.thread(th)) continue;
        Builder b(p, g, use_re ? &re : nullptr, o->func);
        walk_calls(t.dir, p, th, b, t.problems);
      }
    }
    progress.done();
    if (use_re && g.nodes[0].children.empty()) {
      std::printf("# no calls of '%s'\n", o->func.c_str());
    } else {
      std::printf("# Call graph%s\n", use_re ? fmt::format(" under '{}'", o->func).c_str() : "");
      std::printf("%12s %10s : %s\n", "# TOTAL TIME", "CALLS", "FUNCTION");
      std::vector<std::size_t> roots;
      for (const auto& [name, i] : g.nodes[0].children) roots.push_back(i);
      std::stable_sort(roots.begin(), roots.end(),
                       [&](std::size_t a, std::size_t b) { return g.nodes[a].total > g.nodes[b].total; });
      for (const auto r : roots) print(g, r, "", true, true);
    }
    finish(t.problems);
  });
}

}  // namespace ariadne::cli
