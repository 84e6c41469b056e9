#include "cli/tui/TuiModel.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/TraceCommon.hpp"

namespace ariadne::cli::tui {

namespace {

// The report's column headings, in kSortColumns' order.
const char* const kHeadings[] = {"Total time", "Self time", "Calls", "Average", "Min", "Max", "Function"};
constexpr std::uint32_t kTreeFirstCall = 3;   // root 0, process 1, thread 2
constexpr std::uint32_t kGraphFirstCall = 1;  // root 0, the function 1
// Open at the start: processes, threads and the outermost calls (their
// callees shown); in a graph, the function and its callees.
constexpr std::uint32_t kTreeOpenDepth = 4;
constexpr std::uint32_t kGraphOpenDepth = 3;

std::size_t scroll(std::size_t& top, std::size_t cursor, std::size_t height) {
  if (height == 0) return top;
  if (cursor < top) top = cursor;
  if (cursor >= top + height) top = cursor + 1 - height;
  return top;
}

}  // namespace

TuiModel::TuiModel(RecordingSummary summary, std::string title)
    : title_(std::move(title)), functions_(std::move(summary.functions)) {
  tree_.tree = FoldableTree(std::move(summary.tree), kTreeOpenDepth);
  tree_.first_call = kTreeFirstCall;
  if (!tree_.tree.rows().empty()) tree_.cursor = tree_.tree.rows().front().node;
  graph_.first_call = kGraphFirstCall;
  sort_report();
  if (summary.open > 0)
    message_ = fmt::format("{} call{} still open at the end of the recording (not in the report)",
                           summary.open, summary.open == 1 ? "" : "s");
  if (summary.lost > 0)
    message_ += fmt::format("{}{} events lost while recording", message_.empty() ? "" : "; ", summary.lost);
}

void TuiModel::show(View v) {
  view_ = v;
  if (v == View::graph && graph_of_.empty())
    message_ = "no function chosen: press g on a function's row in the tree or the report";
}

void TuiModel::next_view() {
  show(view_ == View::tree ? View::report : view_ == View::report ? View::graph : View::tree);
}

std::size_t TuiModel::row_count() const {
  return view_ == View::report ? report_.size() : current_tree().tree.rows().size();
}

std::size_t TuiModel::cursor() const {
  if (view_ == View::report) return report_cursor_;
  const TreeView& v = current_tree();
  const std::size_t row = v.tree.row_of(v.cursor);
  return row == FoldableTree::kNoRow ? 0 : row;
}

void TuiModel::move_to(std::size_t row) {
  const std::size_t n = row_count();
  if (n == 0) return;
  row = std::min(row, n - 1);
  if (view_ == View::report) {
    report_cursor_ = row;
  } else {
    TreeView& v = current_tree();
    v.cursor = v.tree.rows()[row].node;
  }
}

void TuiModel::move(std::ptrdiff_t delta) {
  const auto row = static_cast<std::ptrdiff_t>(cursor()) + delta;
  move_to(row < 0 ? 0 : static_cast<std::size_t>(row));
}

std::size_t TuiModel::first_row(std::size_t height) {
  if (view_ == View::report) return scroll(report_top_, report_cursor_, height);
  return scroll(current_tree().top, cursor(), height);
}

void TuiModel::activate() {
  if (view_ == View::report) {
    jump_to_tree();
  } else {
    toggle_fold();
  }
}

void TuiModel::toggle_fold() {
  if (view_ == View::report || row_count() == 0) return;
  TreeView& v = current_tree();
  if (v.tree.children(v.cursor).empty()) {
    message_ = fmt::format("'{}' has no calls under it", v.tree.tree().name_of(v.cursor));
    return;
  }
  v.tree.toggle(v.cursor);
  message_.clear();
}

void TuiModel::fold() {
  if (view_ == View::report || row_count() == 0) return;
  TreeView& v = current_tree();
  if (v.tree.is_open(v.cursor) && !v.tree.children(v.cursor).empty()) {
    v.tree.set_open(v.cursor, false);
    return;
  }
  const std::uint32_t parent = v.tree.tree().nodes()[v.cursor].parent;
  if (parent != analysis::CallTree::kRoot) v.cursor = parent;
}

void TuiModel::unfold() {
  if (view_ == View::report || row_count() == 0) return;
  TreeView& v = current_tree();
  v.tree.set_open(v.cursor, true);
}

void TuiModel::place_cursor(TreeView& v, std::uint32_t node) {
  v.tree.reveal(node);
  v.cursor = node;
}

bool TuiModel::jump_to_tree() {
  if (view_ != View::report || report_.empty()) return false;
  const std::string& name = report_[report_cursor_].first;
  for (const std::uint32_t n : tree_.tree.all_in_order()) {
    if (tree_.tree.tree().nodes()[n].depth >= tree_.first_call && tree_.tree.tree().name_of(n) == name) {
      place_cursor(tree_, n);
      view_ = View::tree;
      message_ = fmt::format("the first call of '{}' in the tree", name);
      return true;
    }
  }
  message_ = fmt::format("'{}' is not in the tree", name);
  return false;
}

const std::string* TuiModel::function_at_cursor() const {
  if (row_count() == 0) return nullptr;
  if (view_ == View::report) return &report_[report_cursor_].first;
  const TreeView& v = current_tree();
  if (v.tree.tree().nodes()[v.cursor].depth < v.first_call) return nullptr;
  return &v.tree.tree().name_of(v.cursor);
}

bool TuiModel::show_graph() {
  const std::string* name = function_at_cursor();
  if (name == nullptr) {
    message_ = "not a function: g shows the call graph of a function's row";
    return false;
  }
  graph_of_ = *name;
  graph_.tree = FoldableTree(analysis::callee_graph(tree_.tree.tree(), graph_of_), kGraphOpenDepth);
  graph_.top = 0;
  graph_.cursor = graph_.tree.rows().empty() ? 0 : graph_.tree.rows().front().node;
  view_ = View::graph;
  message_ = fmt::format("the calls under every call of '{}'", graph_of_);
  return true;
}

void TuiModel::sort_report() {
  const std::string keep = report_.empty() ? std::string() : report_[report_cursor_].first;
  report_ = sorted_rows(functions_, sort_column());
  report_cursor_ = 0;
  for (std::size_t i = 0; i < report_.size(); ++i)
    if (report_[i].first == keep) report_cursor_ = i;
}

void TuiModel::next_sort() {
  sort_ = (sort_ + 1) % kSortColumns.size();
  sort_report();
  message_ = fmt::format("sorted by {} (s: the next column)", kHeadings[sort_]);
}

bool TuiModel::search(const std::string& text) {
  if (!text.empty()) last_search_ = text;
  if (last_search_.empty()) {
    message_ = "nothing to search for: / then a part of a function's name";
    return false;
  }
  const std::string& want = last_search_;
  bool found = false;
  if (view_ == View::report) {
    for (std::size_t k = 1; k <= report_.size() && !found; ++k) {
      const std::size_t i = (report_cursor_ + k) % report_.size();
      if (report_[i].first.find(want) != std::string::npos) {
        report_cursor_ = i;
        found = true;
      }
    }
  } else {
    TreeView& v = current_tree();
    const std::vector<std::uint32_t> order = v.tree.all_in_order();
    const auto here = std::find(order.begin(), order.end(), v.cursor);
    const std::size_t start =
        here == order.end() ? order.size() - 1 : static_cast<std::size_t>(here - order.begin());
    for (std::size_t k = 1; k <= order.size() && !found; ++k) {
      const std::uint32_t n = order[(start + k) % order.size()];
      if (v.tree.tree().name_of(n).find(want) != std::string::npos) {
        place_cursor(v, n);
        found = true;
      }
    }
  }
  message_ = found ? fmt::format("/{}  (n: the next one)", want) : fmt::format("/{}: no match", want);
  return found;
}

bool TuiModel::search_next() { return search(std::string()); }

std::string TuiModel::title_line() const {
  const auto tab = [this](View v, const char* name) {
    return view_ == v ? fmt::format("[{}]", name) : fmt::format(" {} ", name);
  };
  std::string graph = "3 Graph";
  if (!graph_of_.empty()) graph += ": " + graph_of_;
  // The views first: a long path is what the screen's width cuts.
  return fmt::format("{} {} {}   ariadne tui {}", tab(View::tree, "1 Tree"), tab(View::report, "2 Report"),
                     tab(View::graph, graph.c_str()), title_);
}

std::string TuiModel::header() const {
  if (view_ != View::report)
    return fmt::format("{:>12} {:>10}  {}", "Total time", "Calls",
                       view_ == View::tree ? "Function" : "Calls under " + graph_of_);
  std::string h[7];
  for (std::size_t i = 0; i < 7; ++i) h[i] = std::string(kHeadings[i]) + (i == sort_ ? "*" : "");
  return fmt::format("{:>12} {:>12} {:>10} {:>12} {:>12} {:>12}  {}", h[0], h[1], h[2], h[3], h[4], h[5],
                     h[6]);
}

std::string TuiModel::tree_row(const TreeView& v, std::size_t row) const {
  const FoldableTree::Row& r = v.tree.rows()[row];
  const auto& node = v.tree.tree().nodes()[r.node];
  const char* mark = v.tree.children(r.node).empty() ? "    " : v.tree.is_open(r.node) ? "[-] " : "[+] ";
  const std::string calls = node.depth >= v.first_call ? fmt::format("{}", node.calls) : "";
  return fmt::format("{:>12} {:>10}  {}{}{}", format_duration(node.total_ns), calls,
                     std::string(2 * std::size_t{r.indent}, ' '), mark, v.tree.tree().name_of(r.node));
}

std::string TuiModel::row_text(std::size_t row) const {
  if (row >= row_count()) return {};
  if (view_ != View::report) return tree_row(current_tree(), row);
  const auto& [name, s] = report_[row];
  return fmt::format("{:>12} {:>12} {:>10} {:>12} {:>12} {:>12}  {}", format_duration(s.total),
                     format_duration(s.self), s.calls, format_duration(s.average()), format_duration(s.min),
                     format_duration(s.max), name);
}

const char* TuiModel::help_line() {
  return "q quit  Tab/1/2/3 views  j/k/arrows move  Enter/space fold  / search  n next  s sort  g graph  "
         "Enter(report): tree";
}

}  // namespace ariadne::cli::tui
