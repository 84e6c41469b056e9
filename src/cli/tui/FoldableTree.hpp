// A CallTree shown as rows, the way the tree and graph views of `ariadne tui`
// show it: the children of each node heaviest first (names break ties), and
// each node open (its children shown below it) or folded. The root is never
// a row; its children are the top rows, at indent 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/CallTree.hpp"

namespace ariadne::cli::tui {

class FoldableTree {
 public:
  struct Row {
    std::uint32_t node;
    std::uint32_t indent;  // 0 for the root's children
  };
  static constexpr std::size_t kNoRow = static_cast<std::size_t>(-1);

  FoldableTree() : FoldableTree(analysis::CallTree{}) {}
  // Nodes less than `open_depth` deep (CallTree::Node::depth) start open.
  explicit FoldableTree(analysis::CallTree tree, std::uint32_t open_depth = 1);

  const analysis::CallTree& tree() const { return tree_; }
  const std::vector<std::uint32_t>& children(std::uint32_t node) const { return kids_[node]; }
  bool is_open(std::uint32_t node) const { return open_[node]; }

  void set_open(std::uint32_t node, bool open);
  void toggle(std::uint32_t node) { set_open(node, !open_[node]); }
  // Opens every caller of `node`, so that it is a row.
  void reveal(std::uint32_t node);

  // The rows as shown now.
  const std::vector<Row>& rows() const;
  // The row showing `node`, or kNoRow if a caller of it is folded.
  std::size_t row_of(std::uint32_t node) const;
  // Every node but the root, in the order rows would show them all open.
  std::vector<std::uint32_t> all_in_order() const;

 private:
  analysis::CallTree tree_;
  std::vector<std::vector<std::uint32_t>> kids_;
  std::vector<bool> open_;
  mutable std::vector<Row> rows_;
  mutable bool rows_stale_ = true;
};

}  // namespace ariadne::cli::tui
