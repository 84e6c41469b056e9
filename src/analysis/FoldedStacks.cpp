#include "analysis/FoldedStacks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace ariadne::analysis {

std::string folded_frame(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == ';')
      c = ':';
    else if (c == '\n' || c == '\r')
      c = ' ';
  }
  return out;
}

bool write_folded_stacks(const CallTree& tree, std::FILE* out, FoldedWeight weight) {
  const auto& nodes = tree.nodes();
  std::vector<std::string> frames(tree.names().size());
  for (std::size_t i = 0; i < frames.size(); ++i) frames[i] = folded_frame(tree.names()[i]);

  // Each node's line is its parent's path plus its own frame; nodes come
  // after their parents, so one forward pass with a string per open path.
  // Only the prefix lengths are kept per node to bound memory by the tree.
  std::vector<std::uint32_t> first_child(nodes.size(), 0), next_sibling(nodes.size(), 0);
  for (std::size_t i = nodes.size(); i-- > 1;) {
    next_sibling[i] = first_child[nodes[i].parent];
    first_child[nodes[i].parent] = static_cast<std::uint32_t>(i);
  }
  std::string path, buffer;
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;  // node, path length before it
  for (std::uint32_t c = first_child[CallTree::kRoot]; c != 0; c = next_sibling[c]) stack.emplace_back(c, 0);
  std::reverse(stack.begin(), stack.end());
  bool ok = true;
  while (!stack.empty()) {
    const auto [node, length] = stack.back();
    stack.pop_back();
    path.resize(length);
    if (length != 0) path += ';';
    path += frames[nodes[node].name];
    const std::uint64_t value = weight == FoldedWeight::calls ? nodes[node].calls : nodes[node].self_ns;
    // A leaf call is written even at 0: its path would be lost otherwise
    // (an inner path is in its callees' lines).
    const bool leaf_call = first_child[node] == 0 && nodes[node].depth > 2;
    if (value != 0 || leaf_call) {
      buffer += path;
      buffer += fmt::format(" {}\n", value);
      if (buffer.size() >= (1u << 16)) {
        ok &= std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
        buffer.clear();
      }
    }
    const std::size_t children_at = stack.size();
    for (std::uint32_t c = first_child[node]; c != 0; c = next_sibling[c]) stack.emplace_back(c, path.size());
    std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(children_at), stack.end());
  }
  ok &= std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
  return ok;
}

}  // namespace ariadne::analysis
