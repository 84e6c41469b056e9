// The writers of `ariadne dump` on hand-made calls (no recording needed):
// JSON text, Chrome trace events, the call-path tree, folded stacks and the
// HTML page.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "analysis/CallTree.hpp"
#include "analysis/ChromeTraceWriter.hpp"
#include "analysis/FlameGraphPage.hpp"
#include "analysis/FoldedStacks.hpp"
#include "analysis/JsonText.hpp"

namespace ariadne::analysis {
namespace {

using tracefile::Call;
using tracefile::ProcessInfo;
using tracefile::ThreadInfo;

// Collects what a writer puts into a FILE*.
class MemoryFile {
 public:
  MemoryFile() : file_(::open_memstream(&data_, &size_)) {}
  ~MemoryFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* get() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

ProcessInfo demo_process() {
  ProcessInfo p;
  p.key = "100";
  p.pid = 100;
  p.argv = {"/usr/bin/demo", "-x"};
  p.sites[1] = {1, 0x1000, "main", 0};
  p.sites[2] = {2, 0x1010, "compute(int)", 0};
  p.sites[3] = {3, 0x1020, "leaf", 0};
  return p;
}

// Replays calls the way walk_calls reports them: enter in order, exit when the end is known.
struct Script {
  std::vector<std::uint32_t> stack;
  std::vector<Call> open;
  tracefile::CallVisitor& v;
  explicit Script(tracefile::CallVisitor& visitor) : v(visitor) {}
  Script& enter(std::uint32_t site, std::uint64_t ns, std::vector<tracefile::Value> args = {}) {
    Call c;
    c.site = site;
    c.depth = static_cast<std::uint32_t>(open.size());
    c.begin_ns = ns;
    c.args = std::move(args);
    stack.push_back(site);
    c.stack = &stack;
    v.on_enter(c);
    open.push_back(c);
    return *this;
  }
  Script& exit(std::uint64_t ns, std::vector<tracefile::Value> retval = {}) {
    Call c = open.back();
    open.pop_back();
    c.end_ns = ns;
    c.retval = std::move(retval);
    c.stack = &stack;
    if (!open.empty()) open.back().child_ns += ns - c.begin_ns;
    v.on_exit(c);
    stack.pop_back();
    return *this;
  }
};

TEST(JsonText, EscapesControlHtmlAndBadUtf8) {
  EXPECT_EQ(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(json_string("</script>&"), "\"\\u003c/script\\u003e\\u0026\"");
  EXPECT_EQ(json_string("\x01"), "\"\\u0001\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");             // valid UTF-8 kept
  EXPECT_EQ(json_string("x\xff\xc3"), "\"x\\ufffd\\ufffd\"");           // invalid bytes replaced
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate is not UTF-8
}

// The (phase, name) sequence of the B/E/i events in a Chrome trace.
std::vector<std::string> phases(const std::string& json) {
  std::vector<std::string> out;
  const std::regex event(R"re("ph":"([BEi])"[^\n]*?"name":"([^"]*)")re");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), event); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str() + " " + (*it)[2].str());
  return out;
}

TEST(ChromeTraceWriter, PairsEveryCallInOrderWithValuesAndMetadata) {
  const ProcessInfo p = demo_process();
  ThreadInfo t;
  t.tid = 100;
  MemoryFile out;
  ChromeTraceWriter w(out.get(), 1000);
  tracefile::SessionInfo session;
  session.arch = "x86_64";
  session.argv = {"demo", "-x"};
  w.begin(session);
  w.name_process(100, "demo");
  w.name_thread(100, 100, "main thread");
  w.begin_thread(p, t);
  tracefile::Value seven;
  seven.kind = tracefile::ValueKind::uint_;
  seven.bits = 7;
  Script(w).enter(1, 1000).enter(2, 1500, {seven}).enter(3, 2000).exit(2500).exit(3000, {seven}).exit(4000);
  tracefile::TraceEvent sig;
  sig.kind = tracefile::Event::signal;
  sig.ns = 4100;
  sig.number = 11;
  w.on_event(sig);
  w.end_thread();
  ASSERT_TRUE(w.finish());
  const std::string json = out.text();

  EXPECT_EQ(phases(json), (std::vector<std::string>{"B main", "B compute(int)", "B leaf", "E leaf",
                                                    "E compute(int)", "E main", "i signal"}));
  EXPECT_NE(json.find("\"ts\":0.500,\"name\":\"compute(int)\",\"args\":{\"arg1\":\"7\"}"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"ts\":2.000,\"name\":\"compute(int)\",\"args\":{\"retval\":\"7\"}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"name\":\"process_name\",\"args\":{\"name\":\"demo\"}"), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"thread_name\",\"args\":{\"name\":\"main thread\"}"), std::string::npos);
  EXPECT_NE(json.find("\"signal\":\"SIGSEGV\""), std::string::npos);
  EXPECT_EQ(json.substr(json.size() - 4), "\n]}\n");
  EXPECT_EQ(w.events_written(), 9u);
}

TEST(ChromeTraceWriter, ClosesWhatTheStreamLeftOpenAndNeverGoesBackInTime) {
  const ProcessInfo p = demo_process();
  ThreadInfo t;
  t.tid = 101;
  MemoryFile out;
  ChromeTraceWriter w(out.get(), 0);
  w.begin({});
  w.begin_thread(p, t);
  Script s(w);
  s.enter(1, 100).enter(2, 200).enter(3, 300);
  // A damaged stream: a sibling at depth 1 starts while depth 1 and 2 are
  // open, earlier than what was written already.
  Call sibling;
  sibling.site = 3;
  sibling.depth = 1;
  sibling.begin_ns = 250;
  w.on_enter(sibling);
  w.end_thread();
  ASSERT_TRUE(w.finish());
  const std::string json = out.text();
  EXPECT_EQ(phases(json), (std::vector<std::string>{"B main", "B compute(int)", "B leaf", "E leaf",
                                                    "E compute(int)", "B leaf", "E leaf", "E main"}));
  EXPECT_EQ(json.find("\"ts\":0.250"), std::string::npos) << "went back in time:\n" << json;
  EXPECT_NE(json.find("\"incomplete\":true"), std::string::npos);
}

// main 0..1000 { compute 100..400 { leaf 150..250 }, compute 500..800 { leaf 550..600, leaf 650..700 } },
// then a leaf on thread 102: times read from a clock that ticks every `tick` ns.
CallTree demo_tree(std::uint64_t tick = 1) {
  CallTree tree;
  CallTreeBuilder builder(tree);
  const ProcessInfo p = demo_process();
  ThreadInfo t;
  t.tid = 100;
  builder.begin_thread(p, t);
  const auto at = [tick](std::uint64_t ns) { return ns / tick * tick; };
  Script(builder)
      .enter(1, at(0))
      .enter(2, at(100))
      .enter(3, at(150))
      .exit(at(250))
      .exit(at(400))
      .enter(2, at(500))
      .enter(3, at(550))
      .exit(at(600))
      .enter(3, at(650))
      .exit(at(700))
      .exit(at(800))
      .exit(at(1000));
  ThreadInfo t2;
  t2.tid = 102;
  builder.begin_thread(p, t2);
  Script(builder).enter(3, at(2000)).exit(at(2100));
  tree.finish();
  return tree;
}

TEST(CallTree, AggregatesByPathWithSelfTimes) {
  const CallTree tree = demo_tree();
  const auto& n = tree.nodes();
  EXPECT_EQ(n[CallTree::kRoot].total_ns, 1100u);
  std::uint64_t leaf_calls = 0, leaf_total = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (tree.name_of(static_cast<std::uint32_t>(i)) == "compute(int)") {
      EXPECT_EQ(n[i].calls, 2u);
      EXPECT_EQ(n[i].total_ns, 600u);
      EXPECT_EQ(n[i].self_ns, 400u);
    }
    if (tree.name_of(static_cast<std::uint32_t>(i)) == "leaf") {
      leaf_calls += n[i].calls;
      leaf_total += n[i].total_ns;
    }
  }
  EXPECT_EQ(leaf_calls, 4u);
  EXPECT_EQ(leaf_total, 300u);
}

TEST(FoldedStacks, OneLinePerPathWithItsSelfTime) {
  MemoryFile out;
  ASSERT_TRUE(write_folded_stacks(demo_tree(), out.get()));
  EXPECT_EQ(out.text(),
            "demo [100];thread 100;main 400\n"
            "demo [100];thread 100;main;compute(int) 400\n"
            "demo [100];thread 100;main;compute(int);leaf 200\n"
            "demo [100];thread 102;leaf 100\n");
  EXPECT_EQ(folded_frame("a;b\nc"), "a:b c");
}

// A clock that ticks in 1 us steps (QEMU's counter) times short calls as 0:
// their paths are written all the same, with 0, and --weight=calls counts them.
TEST(FoldedStacks, KeepsZeroTimePathsAndWeighsByCalls) {
  const CallTree coarse = demo_tree(1000);
  MemoryFile by_time;
  ASSERT_TRUE(write_folded_stacks(coarse, by_time.get()));
  EXPECT_EQ(by_time.text(),
            "demo [100];thread 100;main 1000\n"
            "demo [100];thread 100;main;compute(int);leaf 0\n"
            "demo [100];thread 102;leaf 0\n");
  MemoryFile by_calls;
  ASSERT_TRUE(write_folded_stacks(coarse, by_calls.get(), FoldedWeight::calls));
  EXPECT_EQ(by_calls.text(),
            "demo [100];thread 100;main 1\n"
            "demo [100];thread 100;main;compute(int) 2\n"
            "demo [100];thread 100;main;compute(int);leaf 3\n"
            "demo [100];thread 102;leaf 1\n");
}

TEST(FlameGraphPage, EmbedsTheTreeAndNeedsNoNetwork) {
  FlameGraphOptions options;
  options.title = "demo <-x>";
  MemoryFile out;
  ASSERT_TRUE(write_flame_graph_page(demo_tree(), options, out.get()));
  const std::string page = out.text();
  EXPECT_EQ(page.find("@ARIADNE_"), std::string::npos);
  EXPECT_NE(page.find("demo &lt;-x&gt;"), std::string::npos);
  EXPECT_NE(page.find("\"compute(int)\""), std::string::npos);
  EXPECT_NE(page.find("{\"nodes\":[0,0,0,1100,0,"), std::string::npos);
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_NE(flame_graph_template().find("\"@ARIADNE_DATA@\""), std::string::npos);
}

TEST(FlameGraphPage, NamesCannotBreakOutOfTheDataScript) {
  CallTree tree;
  const auto node = tree.child(tree.child(tree.child(CallTree::kRoot, "p [1]"), "thread 1"),
                               "</script><script>alert(1)</script> operator<<");
  tree.add_call(node, 10, 10);
  tree.finish();
  FlameGraphOptions options;
  options.title = "</title><script>alert(2)</script>";
  MemoryFile out;
  ASSERT_TRUE(write_flame_graph_page(tree, options, out.get()));
  const std::string page = out.text();
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"), std::string::npos);
}

TEST(FlameGraphPage, LeavesOutPathsNarrowerThanTheThreshold) {
  FlameGraphOptions options;
  options.min_fraction = 0.2;  // 220 ns of 1100: main and compute stay, both leaf paths go
  MemoryFile out;
  ASSERT_TRUE(write_flame_graph_page(demo_tree(), options, out.get()));
  const std::string page = out.text();
  EXPECT_NE(page.find("\"omitted\":2"), std::string::npos);
  EXPECT_EQ(page.find("\"leaf\""), std::string::npos);
}

}  // namespace
}  // namespace ariadne::analysis
