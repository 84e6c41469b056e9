#include "cli/tui/FoldableTree.hpp"

#include <algorithm>

namespace ariadne::cli::tui {

FoldableTree::FoldableTree(analysis::CallTree tree, std::uint32_t open_depth) : tree_(std::move(tree)) {
  const auto& nodes = tree_.nodes();
  kids_.resize(nodes.size());
  for (std::uint32_t i = 1; i < nodes.size(); ++i) kids_[nodes[i].parent].push_back(i);
  for (auto& k : kids_) {
    std::sort(k.begin(), k.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (nodes[a].total_ns != nodes[b].total_ns) return nodes[a].total_ns > nodes[b].total_ns;
      return tree_.name_of(a) < tree_.name_of(b);
    });
  }
  open_.resize(nodes.size());
  for (std::uint32_t i = 0; i < nodes.size(); ++i) open_[i] = nodes[i].depth < open_depth;
  open_[analysis::CallTree::kRoot] = true;  // its children are the top rows
}

void FoldableTree::set_open(std::uint32_t node, bool open) {
  if (node == analysis::CallTree::kRoot || open_[node] == open) return;
  open_[node] = open;
  rows_stale_ = true;
}

void FoldableTree::reveal(std::uint32_t node) {
  for (std::uint32_t n = tree_.nodes()[node].parent; n != analysis::CallTree::kRoot;
       n = tree_.nodes()[n].parent)
    set_open(n, true);
}

const std::vector<FoldableTree::Row>& FoldableTree::rows() const {
  if (!rows_stale_) return rows_;
  rows_.clear();
  // Depth first without recursion: call paths can be thousands deep.
  std::vector<Row> todo;
  const auto& top = kids_[analysis::CallTree::kRoot];
  for (auto it = top.rbegin(); it != top.rend(); ++it) todo.push_back({*it, 0});
  while (!todo.empty()) {
    const Row r = todo.back();
    todo.pop_back();
    rows_.push_back(r);
    if (!open_[r.node]) continue;
    const auto& k = kids_[r.node];
    for (auto it = k.rbegin(); it != k.rend(); ++it) todo.push_back({*it, r.indent + 1});
  }
  rows_stale_ = false;
  return rows_;
}

std::size_t FoldableTree::row_of(std::uint32_t node) const {
  const auto& r = rows();
  for (std::size_t i = 0; i < r.size(); ++i)
    if (r[i].node == node) return i;
  return kNoRow;
}

std::vector<std::uint32_t> FoldableTree::all_in_order() const {
  std::vector<std::uint32_t> out, todo;
  const auto& top = kids_[analysis::CallTree::kRoot];
  todo.assign(top.rbegin(), top.rend());
  while (!todo.empty()) {
    const std::uint32_t n = todo.back();
    todo.pop_back();
    out.push_back(n);
    todo.insert(todo.end(), kids_[n].rbegin(), kids_[n].rend());
  }
  return out;
}

}  // namespace ariadne::cli::tui
