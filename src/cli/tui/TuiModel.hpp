// Everything `ariadne tui` shows and does, without the terminal: three views
// of one recording (the call tree, the per-function report, the call graph
// of one function), each with a cursor row, and the commands the keys run
// (fold, sort, search, jump, graph). TuiScreen draws row_text() and maps
// keys to these calls; the unit tests drive them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cli/FunctionStats.hpp"
#include "cli/tui/FoldableTree.hpp"
#include "cli/tui/RecordingSummary.hpp"

namespace ariadne::cli::tui {

enum class View { tree, report, graph };

class TuiModel {
 public:
  // `title`: what the top line names (the recording's path).
  TuiModel(RecordingSummary summary, std::string title);

  View view() const { return view_; }
  void show(View v);
  void next_view();  // Tab: tree, report, graph, tree...

  std::size_t row_count() const;
  std::size_t cursor() const;  // the cursor's row (0 when there are none)
  void move(std::ptrdiff_t delta);
  void move_to(std::size_t row);
  // The first row to draw on a page of `height` rows: the previous one,
  // moved just enough to show the cursor.
  std::size_t first_row(std::size_t height);

  // Enter: folds or opens the cursor's node (tree, graph); in the report,
  // jump_to_tree(). Space folds in every view but the report.
  void activate();
  void toggle_fold();
  void fold();    // Left: folds the node; on a folded node or a leaf, goes to its caller
  void unfold();  // Right
  // The report row's function: its first call in the tree (callers opened).
  bool jump_to_tree();
  // The cursor row's function: its call graph, in the graph view.
  bool show_graph();
  // The report's next sort column (kSortColumns), the cursor kept on its function.
  void next_sort();
  const std::string& sort_column() const { return kSortColumns[sort_]; }
  // The next row (after the cursor, wrapping) whose function name contains
  // `text`; in the tree and graph, folded nodes are searched too and opened.
  // An empty `text` repeats the last search (search_next()).
  bool search(const std::string& text);
  bool search_next();

  std::string title_line() const;
  std::string header() const;
  std::string row_text(std::size_t row) const;
  const std::string& message() const { return message_; }
  // Puts `text` on the message line (until the next command says something).
  void say(std::string text) { message_ = std::move(text); }
  static const char* help_line();

 private:
  // The tree or the graph view: the cursor is a node, so folding keeps it.
  struct TreeView {
    FoldableTree tree;
    std::uint32_t cursor = 0;      // a node (0: no rows)
    std::uint32_t first_call = 0;  // depth of the function nodes (calls; above: process, thread)
    std::size_t top = 0;
  };
  TreeView& current_tree() { return view_ == View::graph ? graph_ : tree_; }
  const TreeView& current_tree() const { return view_ == View::graph ? graph_ : tree_; }
  void place_cursor(TreeView& v, std::uint32_t node);
  std::string tree_row(const TreeView& v, std::size_t row) const;
  const std::string* function_at_cursor() const;
  void sort_report();

  std::string title_;
  View view_ = View::tree;
  TreeView tree_, graph_;
  std::string graph_of_;  // whose graph the graph view shows ("" none yet)
  FunctionTable functions_;
  std::vector<FunctionRow> report_;
  std::size_t sort_ = 0, report_cursor_ = 0, report_top_ = 0;
  std::string last_search_, message_;
};

}  // namespace ariadne::cli::tui
