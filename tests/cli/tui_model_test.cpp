// The model of `ariadne tui` (views, folding, sort, search, jump, graph) on
// a recording with known durations, read through the same summarize() as the
// command; and callee_graph, the graph view's data.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TraceBuilder.hpp"
#include "analysis/CallTree.hpp"
#include "cli/tui/TuiModel.hpp"

namespace ariadne::cli::tui {
namespace {

using namespace tracefile::test;

// Process 100, times in ns:
//   thread 100: main 0..10000 { work 1000..3000 { leaf 1500..2000 }  work 4000..5000 }
//   thread 101: worker 600..2600 { leaf 1000..1100  leaf 1200..1300 }
RecordingSummary fixture_summary() {
  TraceBuilder b;
  auto& p = b.process(100);
  p.argv = {"./demo"};
  p.site(1, "main").site(2, "work").site(3, "leaf").site(4, "worker");
  p.segment(100, 0, 0)
      .events.entry(1, 0)
      .entry(2, 1000)
      .entry(3, 1500)
      .exit(2000)
      .exit(3000)
      .entry(2, 4000)
      .exit(5000)
      .exit(10000);
  p.segment(101, 0, 500)
      .events.thread_start(500, 100)
      .entry(4, 600)
      .entry(3, 1000)
      .exit(1100)
      .entry(3, 1200)
      .exit(1300)
      .exit(2600)
      .thread_exit(2700);
  const std::string dir = temp_dir("tui-model");
  b.write(dir);
  std::vector<tracefile::Problem> problems;
  const tracefile::TraceDir trace = tracefile::TraceDir::open(dir, problems);
  RecordingSummary s = summarize(trace, Selection{}, problems);
  EXPECT_TRUE(problems.empty()) << problems.front().text();
  remove_tree(dir);
  return s;
}

std::vector<std::string> rows(const TuiModel& m) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m.row_count(); ++i) out.push_back(m.row_text(i));
  return out;
}

// The function names of the rows (the last word), for order checks.
std::vector<std::string> names(const TuiModel& m) {
  std::vector<std::string> out;
  for (const std::string& r : rows(m)) out.push_back(r.substr(r.find_last_of(' ') + 1));
  return out;
}

std::string cursor_row(const TuiModel& m) { return m.row_text(m.cursor()); }

TEST(TuiModel, OpensOnTheTreeWithTheOutermostCallsOpen) {
  TuiModel m(fixture_summary(), "demo.data");
  EXPECT_EQ(m.view(), View::tree);
  EXPECT_EQ(m.title_line(), "[1 Tree]  2 Report   3 Graph    ariadne tui demo.data");
  EXPECT_EQ(m.header(), "  Total time      Calls  Function");
  const std::vector<std::string> want{
      "   12.000 us             [-] demo [100]",   "   10.000 us               [-] thread 100",
      "   10.000 us          1      [-] main",     "    3.000 us          2        [+] work",
      "    2.000 us               [-] thread 101", "    2.000 us          1      [-] worker",
      "      200 ns          2            leaf"};
  EXPECT_EQ(rows(m), want);
  EXPECT_EQ(m.cursor(), 0u);
}

TEST(TuiModel, FoldsAndOpensTheCursorsNode) {
  TuiModel m(fixture_summary(), "d");
  m.move(2);
  ASSERT_NE(cursor_row(m).find("main"), std::string::npos);
  m.activate();  // Enter folds main: work goes
  EXPECT_EQ(m.row_count(), 6u);
  EXPECT_NE(cursor_row(m).find("[+] main"), std::string::npos);
  EXPECT_EQ(m.row_text(3).find("work"), std::string::npos);
  m.toggle_fold();  // and opens it again
  EXPECT_EQ(m.row_count(), 7u);
  m.move(1);  // work, folded: Right opens it, leaf appears under it
  m.unfold();
  EXPECT_EQ(m.row_text(4), "      500 ns          1              leaf");
  m.move(1);  // leaf: Left on a leaf goes to its caller, then folds it
  m.fold();
  EXPECT_NE(cursor_row(m).find("[-] work"), std::string::npos);
  m.fold();
  EXPECT_NE(cursor_row(m).find("[+] work"), std::string::npos);
  EXPECT_EQ(m.row_count(), 7u);
}

TEST(TuiModel, ReportSortsByEachColumn) {
  TuiModel m(fixture_summary(), "d");
  m.next_view();
  ASSERT_EQ(m.view(), View::report);
  EXPECT_EQ(m.header(),
            " Total time*    Self time      Calls      Average          Min          Max  Function");
  EXPECT_EQ(names(m), (std::vector<std::string>{"main", "work", "worker", "leaf"}));
  EXPECT_EQ(m.row_text(1),
            "    3.000 us     2.500 us          2     1.500 us     1.000 us     2.000 us  work");
  m.next_sort();  // self: main 7000, work 2500, worker 1800, leaf 700
  EXPECT_EQ(m.sort_column(), "self");
  EXPECT_EQ(names(m), (std::vector<std::string>{"main", "work", "worker", "leaf"}));
  m.next_sort();
  EXPECT_EQ(m.sort_column(), "calls");
  EXPECT_EQ(names(m), (std::vector<std::string>{"leaf", "work", "main", "worker"}));
  EXPECT_NE(m.header().find("Calls*"), std::string::npos);
  m.next_sort();  // avg: main 10000, worker 2000, work 1500, leaf 233
  EXPECT_EQ(names(m), (std::vector<std::string>{"main", "worker", "work", "leaf"}));
  m.next_sort();  // min: main 10000, worker 2000, work 1000, leaf 100
  m.next_sort();  // max: main, work 2000 = worker 2000 (by name), leaf 500
  EXPECT_EQ(m.sort_column(), "max");
  EXPECT_EQ(names(m), (std::vector<std::string>{"main", "work", "worker", "leaf"}));
  m.next_sort();
  EXPECT_EQ(m.sort_column(), "name");
  EXPECT_EQ(names(m), (std::vector<std::string>{"leaf", "main", "work", "worker"}));
  m.next_sort();
  EXPECT_EQ(m.sort_column(), "total");
}

TEST(TuiModel, SortKeepsTheCursorOnItsFunction) {
  TuiModel m(fixture_summary(), "d");
  m.show(View::report);
  m.move(3);  // leaf, last by total
  m.next_sort();
  m.next_sort();  // calls: leaf first
  EXPECT_EQ(m.cursor(), 0u);
  EXPECT_NE(cursor_row(m).find("leaf"), std::string::npos);
}

TEST(TuiModel, SearchFindsFoldedNodesAndWraps) {
  TuiModel m(fixture_summary(), "d");
  ASSERT_TRUE(m.search("leaf"));  // under work, folded: work is opened
  EXPECT_EQ(cursor_row(m), "      500 ns          1              leaf");
  EXPECT_EQ(m.cursor(), 4u);
  EXPECT_EQ(m.message(), "/leaf  (n: the next one)");
  ASSERT_TRUE(m.search_next());  // the one under worker
  EXPECT_EQ(cursor_row(m), "      200 ns          2            leaf");
  ASSERT_TRUE(m.search_next());  // wraps to the first
  EXPECT_EQ(m.cursor(), 4u);
  EXPECT_FALSE(m.search("nothing"));
  EXPECT_EQ(m.message(), "/nothing: no match");
  EXPECT_EQ(m.cursor(), 4u);
  m.show(View::report);
  ASSERT_TRUE(m.search("work"));
  EXPECT_NE(cursor_row(m).find(" work"), std::string::npos);
  ASSERT_TRUE(m.search_next());
  EXPECT_NE(cursor_row(m).find(" worker"), std::string::npos);
}

TEST(TuiModel, EnterOnAReportRowJumpsToItsFirstCallInTheTree) {
  TuiModel m(fixture_summary(), "d");
  m.show(View::report);
  m.move_to(3);  // leaf
  m.activate();
  EXPECT_EQ(m.view(), View::tree);
  EXPECT_EQ(cursor_row(m), "      500 ns          1              leaf");  // under main;work, opened
  EXPECT_EQ(m.message(), "the first call of 'leaf' in the tree");
}

TEST(TuiModel, GraphOfTheCursorsFunction) {
  TuiModel m(fixture_summary(), "d");
  EXPECT_FALSE(m.show_graph());  // the process row is not a function
  m.show(View::graph);
  EXPECT_EQ(m.row_count(), 0u);
  m.show(View::tree);
  m.move_to(3);  // work
  ASSERT_TRUE(m.show_graph());
  EXPECT_EQ(m.view(), View::graph);
  EXPECT_EQ(m.header(), "  Total time      Calls  Calls under work");
  EXPECT_EQ(rows(m), (std::vector<std::string>{"    3.000 us          2  [-] work",
                                               "      500 ns          1        leaf"}));
  m.show(View::report);
  m.move_to(3);  // leaf: its 3 calls, from two threads
  ASSERT_TRUE(m.show_graph());
  EXPECT_EQ(rows(m), (std::vector<std::string>{"      700 ns          3      leaf"}));
  EXPECT_NE(m.title_line().find("[3 Graph: leaf]"), std::string::npos);
}

TEST(TuiModel, FirstRowFollowsTheCursor) {
  TuiModel m(fixture_summary(), "d");
  EXPECT_EQ(m.first_row(3), 0u);
  m.move(5);
  EXPECT_EQ(m.first_row(3), 3u);
  m.move(-1);
  EXPECT_EQ(m.first_row(3), 3u);
  m.move(-4);
  EXPECT_EQ(m.first_row(3), 0u);
  m.move(100);
  EXPECT_EQ(m.cursor(), 6u);
}

TEST(CalleeGraph, MergesTheOutermostCallsOfAFunction) {
  analysis::CallTree t;
  // a -> f -> g -> f -> h, and b -> f -> g
  const auto a = t.child(analysis::CallTree::kRoot, "a");
  const auto f1 = t.child(a, "f"), g1 = t.child(f1, "g"), f2 = t.child(g1, "f"), h = t.child(f2, "h");
  const auto b = t.child(analysis::CallTree::kRoot, "b");
  const auto f3 = t.child(b, "f"), g3 = t.child(f3, "g");
  t.add_call(f1, 100, 10);
  t.add_call(g1, 80, 20);
  t.add_call(f2, 60, 50);
  t.add_call(h, 10, 10);
  t.add_call(f3, 30, 5);
  t.add_call(g3, 25, 25);
  const analysis::CallTree g = analysis::callee_graph(t, "f");
  ASSERT_EQ(g.nodes().size(), 5u);  // root, f, g, f, h
  EXPECT_EQ(g.name_of(1), "f");
  EXPECT_EQ(g.nodes()[1].calls, 2u);
  EXPECT_EQ(g.nodes()[1].total_ns, 130u);
  EXPECT_EQ(g.name_of(2), "g");
  EXPECT_EQ(g.nodes()[2].total_ns, 105u);
  EXPECT_EQ(g.name_of(3), "f");  // the nested call stays under g
  EXPECT_EQ(g.nodes()[3].parent, 2u);
  EXPECT_EQ(analysis::callee_graph(t, "nothing").nodes().size(), 1u);
}

}  // namespace
}  // namespace ariadne::cli::tui
