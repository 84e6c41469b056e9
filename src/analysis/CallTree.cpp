#include "analysis/CallTree.hpp"

#include <fmt/format.h>

namespace ariadne::analysis {

CallTree::CallTree() { nodes_.push_back(Node{intern("all"), kRoot, 0, 0, 0, 0}); }

std::uint32_t CallTree::intern(std::string_view name) {
  auto it = name_index_.find(std::string(name));
  if (it != name_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(names_.back(), index);
  return index;
}

std::uint32_t CallTree::child(std::uint32_t parent, std::uint32_t name) {
  const std::uint64_t key = std::uint64_t{parent} << 32 | name;
  auto it = children_.find(key);
  if (it != children_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(Node{name, parent, nodes_[parent].depth + 1, 0, 0, 0});
  children_.emplace(key, index);
  return index;
}

void CallTree::add_call(std::uint32_t node, std::uint64_t total_ns, std::uint64_t self_ns) {
  Node& n = nodes_[node];
  n.calls += 1;
  n.total_ns += total_ns;
  n.self_ns += self_ns;
}

void CallTree::add_calls(std::uint32_t node, std::uint64_t calls, std::uint64_t total_ns,
                         std::uint64_t self_ns) {
  Node& n = nodes_[node];
  n.calls += calls;
  n.total_ns += total_ns;
  n.self_ns += self_ns;
}

CallTree callee_graph(const CallTree& tree, std::string_view function) {
  CallTree g;
  const auto& nodes = tree.nodes();
  // Per node of `tree`: its node in `g` (kNone: not under `function`). A
  // child's index is above its parent's, so one forward pass sees callers first.
  constexpr std::uint32_t kNone = 0xffffffffu;
  std::vector<std::uint32_t> in_graph(nodes.size(), kNone);
  for (std::uint32_t i = 1; i < nodes.size(); ++i) {
    const std::uint32_t above = in_graph[nodes[i].parent];
    if (above != kNone) {
      in_graph[i] = g.child(above, tree.name_of(i));
    } else if (tree.name_of(i) == function) {
      in_graph[i] = g.child(CallTree::kRoot, tree.name_of(i));
    } else {
      continue;
    }
    g.add_calls(in_graph[i], nodes[i].calls, nodes[i].total_ns, nodes[i].self_ns);
  }
  return g;
}

void CallTree::finish() {
  // A child's index is always above its parent's, so one backward pass sums
  // the outermost calls into threads, threads into processes, processes into the root.
  for (auto& n : nodes_)
    if (n.depth <= 2) n.total_ns = 0;
  for (std::size_t i = nodes_.size(); i-- > 1;)
    if (nodes_[i].depth <= 3) nodes_[nodes_[i].parent].total_ns += nodes_[i].total_ns;
}

std::string process_label(const tracefile::ProcessInfo& p) {
  std::string prog = p.argv.empty() ? std::string("?") : p.argv.front();
  if (auto slash = prog.rfind('/'); slash != std::string::npos && slash + 1 < prog.size())
    prog.erase(0, slash + 1);
  return fmt::format("{} [{}]", prog, p.pid);
}

std::string thread_label(const tracefile::ThreadInfo& t) { return fmt::format("thread {}", t.tid); }

void CallTreeBuilder::begin_thread(const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t) {
  begin_lane(p, thread_label(t));
}

void CallTreeBuilder::begin_lane(const tracefile::ProcessInfo& p, const std::string& label) {
  if (process_ != &p) {
    process_ = &p;
    site_names_.clear();
    process_node_ = tree_.child(CallTree::kRoot, process_label(p));
  }
  path_.assign(1, tree_.child(process_node_, label));
}

std::uint32_t CallTreeBuilder::name_of_site(std::uint32_t site) {
  auto it = site_names_.find(site);
  if (it != site_names_.end()) return it->second;
  const std::uint32_t name = tree_.intern(process_->site_name(site));
  site_names_.emplace(site, name);
  return name;
}

void CallTreeBuilder::reach_parent_of(const tracefile::Call& c) {
  const std::size_t want = std::size_t{c.depth} + 1;  // thread node + the callers
  if (path_.size() > want) path_.resize(want);
  if (path_.size() == want) return;
  // Callers the walk never entered: take them from the call's stack, or
  // hang the call under the thread when there is none.
  if (c.stack == nullptr || c.stack->size() != std::size_t{c.depth} + 1) {
    path_.resize(1);
    return;
  }
  for (std::size_t d = path_.size() - 1; d < c.depth; ++d)
    path_.push_back(tree_.child(path_.back(), name_of_site((*c.stack)[d])));
}

void CallTreeBuilder::on_enter(const tracefile::Call& c) {
  if (process_ == nullptr) return;
  reach_parent_of(c);
  path_.push_back(tree_.child(path_.back(), name_of_site(c.site)));
}

void CallTreeBuilder::on_exit(const tracefile::Call& c) {
  if (process_ == nullptr) return;
  const std::size_t index = std::size_t{c.depth} + 1;
  const std::uint32_t name = name_of_site(c.site);
  std::uint32_t node;
  if (index < path_.size() && tree_.nodes()[path_[index]].name == name) {
    node = path_[index];
    path_.resize(index);
  } else {  // an exit the walk never showed the entry of
    reach_parent_of(c);
    node = tree_.child(path_.back(), name);
  }
  const std::uint64_t total = c.end_ns > c.begin_ns ? c.end_ns - c.begin_ns : 0;
  const std::uint64_t self = total > c.child_ns ? total - c.child_ns : 0;
  tree_.add_call(node, total, self);
}

}  // namespace ariadne::analysis
