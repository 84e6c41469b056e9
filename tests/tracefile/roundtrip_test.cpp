// Builder -> reader: everything written comes back, in order, with the
// timestamps converted and exits matched to their entries.
#include <gtest/gtest.h>

#include "TraceBuilder.hpp"
#include "TraceTestUtil.hpp"

namespace ariadne::tracefile::test {
namespace {

using Lines = std::vector<std::string>;

TEST(TraceRoundTrip, EveryEventKindAndValue) {
  TraceBuilder b;
  auto& p = b.process(100);
  p.site(1, "main").site(2, "work").site(3, "leaf");
  auto& s = p.segment(100, 0, 1000);
  s.events.thread_start(1000, 0)
      .entry(1, 1010)
      .entry_args(2, 1100,
                  {int_value(-5), uint_value(7), hex_value(255), string_value("a\"b"), char_value('x'),
                   float_value(1.5), pointer_value(0x1000), bad_string_value()})
      .entry(3, 1200)
      .exit_retval(1300, int_value(42))
      .exit_unwound(1400)
      .signal(1450, 15)
      .fork(1500, 101)
      .exec(1600, "/bin/true")
      .exec_failed(1610, 2)
      .lost(1620, 3)
      .clock(5000)
      .exit(5100)
      .thread_exit(5200);
  std::string dir = temp_dir("kinds");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  EXPECT_EQ(problems_text(problems), "");
  ASSERT_EQ(d.processes().size(), 1u);
  const auto& pi = d.processes()[0];
  EXPECT_EQ(pi.pid, 100u);
  ASSERT_EQ(pi.threads.size(), 1u);
  EXPECT_EQ(d.start_ns(), 1000u);
  const Lines expected = {
      "0 thread_start 0",
      "10 entry main d0",
      "100 entry work d1 -5 7 0xff \"a\\\"b\" 'x' 1.5 0x1000 (bad string)",
      "200 entry leaf d2",
      "300 exit leaf d2 42",
      "400 unwound work d1",
      "450 signal 15",
      "500 fork 101",
      "600 exec /bin/true",
      "610 exec_failed 2",
      "620 lost 3",
      "4000 clock",
      "4100 exit main d0",
      "4200 thread_exit",
  };
  EXPECT_EQ(events_of(d, pi, pi.threads[0], problems), expected);
  EXPECT_EQ(problems_text(problems), "");
  EXPECT_EQ(d.session().argv, (std::vector<std::string>{"prog", "arg"}));
  EXPECT_TRUE(d.session().ended);
  EXPECT_EQ(pi.sites.at(2).address, 0x400000u + 0x1020u);
  EXPECT_EQ(pi.modules.at(0).build_id, "abcdef0123456789");
  remove_tree(dir);
}

TEST(TraceRoundTrip, SegmentsRawSealedCompressedAcrossBoundaries) {
  TraceBuilder b;
  auto& p = b.process(7);
  p.site(1, "a").site(2, "b");
  p.segment(7, 0, 100, SegmentForm::compressed).events.entry(1, 100).entry(2, 110);
  p.segment(7, 1, 200, SegmentForm::sealed, 2).events.exit(210).entry(2, 220);
  p.segment(7, 2, 300, SegmentForm::open, 2).events.exit(305).exit(310);
  const std::string dir = temp_dir("forms");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  const auto& pi = d.processes().at(0);
  ASSERT_EQ(pi.threads.at(0).segments.size(), 3u);
  EXPECT_TRUE(pi.threads[0].segments[0].compressed);
  const Lines expected = {"0 entry a d0",   "10 entry b d1", "110 exit b d1",
                          "120 entry b d1", "205 exit b d1", "210 exit a d0"};
  EXPECT_EQ(events_of(d, pi, pi.threads[0], problems), expected);
  EXPECT_EQ(problems_text(problems), "");
  remove_tree(dir);
}

// A recording whose `ariadne record` did not finish keeps the threads' live
// files: each is the segment its header names, unless that segment was
// copied out already or the file was being recycled.
TEST(TraceRoundTrip, LiveFilesAreTheSegmentsTheirHeadersName) {
  TraceBuilder b;
  auto& p = b.process(7);
  p.site(1, "a").site(2, "b");
  p.segment(7, 0, 100, SegmentForm::compressed).events.entry(1, 100).entry(2, 110);
  p.segment(7, 1, 200, SegmentForm::live, 2).events.exit(210).entry(2, 220);
  p.segment(8, 0, 100, SegmentForm::sealed).events.entry(1, 100).exit(130);
  p.segment(8, 0, 100, SegmentForm::live).events.entry(2, 100).exit(130);  // copied out already
  p.segment(9, 0, 100, SegmentForm::sealed).events.entry(2, 100).exit(140);
  p.segment(9, 1, 200, SegmentForm::recycled).events.entry(1, 200);  // nothing to read
  const std::string dir = temp_dir("live");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  const auto& pi = d.processes().at(0);
  ASSERT_EQ(pi.threads.size(), 3u);
  ASSERT_EQ(pi.threads[0].segments.size(), 2u);
  EXPECT_EQ(pi.threads[0].segments[1].seq, 1u);
  EXPECT_EQ(events_of(d, pi, pi.threads[0], problems),
            (Lines{"0 entry a d0", "10 entry b d1", "110 exit b d1", "120 entry b d1"}));
  EXPECT_EQ(events_of(d, pi, pi.threads[1], problems), (Lines{"0 entry a d0", "30 exit a d0"}));
  EXPECT_EQ(events_of(d, pi, pi.threads[2], problems), (Lines{"0 entry b d0", "40 exit b d0"}));
  EXPECT_EQ(problems_text(problems), "");
  remove_tree(dir);
}

// A recording whose `ariadne record` was killed too: a thread's full
// segments not yet copied out are in its other live files (t<tid>.<k>.live).
TEST(TraceRoundTrip, SeveralLiveFilesOfAThread) {
  TraceBuilder b;
  auto& p = b.process(7);
  p.site(1, "a").site(2, "b");
  auto live = [&](std::uint32_t tid, std::uint32_t seq, std::uint64_t base, SegmentForm form, int k,
                  std::uint32_t depth = 0) -> Segment& {
    Segment& s = p.segment(tid, seq, base, form, depth);
    s.live_k = k;
    return s;
  };
  live(7, 0, 100, SegmentForm::live_full, 1).events.entry(1, 100).entry(2, 110);
  live(7, 1, 200, SegmentForm::live_full, 2, 2).events.exit(210).entry(2, 220);
  live(7, 2, 300, SegmentForm::live, 0, 2).events.exit(310).exit(320);
  p.segment(8, 0, 100, SegmentForm::sealed).events.entry(1, 100).exit(130);
  live(8, 0, 100, SegmentForm::live_full, 0).events.entry(2, 100).exit(130);  // copied out already
  live(8, 1, 200, SegmentForm::recycled, 1).events.entry(1, 200);             // nothing to read
  const std::string dir = temp_dir("several-live");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  const auto& pi = d.processes().at(0);
  ASSERT_EQ(pi.threads.size(), 2u);
  ASSERT_EQ(pi.threads[0].segments.size(), 3u);
  EXPECT_EQ(events_of(d, pi, pi.threads[0], problems),
            (Lines{"0 entry a d0", "10 entry b d1", "110 exit b d1", "120 entry b d1", "210 exit b d1",
                   "220 exit a d0"}));
  EXPECT_EQ(events_of(d, pi, pi.threads[1], problems), (Lines{"0 entry a d0", "30 exit a d0"}));
  EXPECT_EQ(problems_text(problems), "");
  remove_tree(dir);
}

TEST(TraceRoundTrip, ForkChildStacksAndProcesses) {
  TraceBuilder b;
  auto& parent = b.process(10);
  parent.site(1, "main").site(2, "spawn");
  parent.segment(10, 0, 0).events.entry(1, 0).entry(2, 10).fork(20, 11).exit(30).exit(40);
  parent.segment(12, 0, 5).events.thread_start(5, 10).thread_exit(8);
  auto& child = b.process(11);
  child.ppid = 10;
  child.forked_from = 10;
  child.site(1, "main").site(2, "spawn");
  child.segment(11, 0, 21).events.fork_child(21, 10, {1, 2}).exit(25).exit(27);
  auto& execd = b.process(11, "11.1");
  execd.execd_from = "11";  // the directory of the image that exec'd it
  execd.site(5, "other_main");
  execd.segment(11, 0, 50).events.entry(5, 50).exit(60);
  const std::string dir = temp_dir("fork");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  ASSERT_EQ(d.processes().size(), 3u);
  EXPECT_EQ(d.processes()[0].key, "10");
  EXPECT_EQ(d.processes()[0].threads.size(), 2u);
  EXPECT_EQ(d.processes()[1].forked_from, 10u);
  EXPECT_EQ(d.processes()[2].key, "11.1");
  EXPECT_EQ(d.processes()[2].execd_from, "11");
  const auto& c = d.processes()[1];
  EXPECT_EQ(events_of(d, c, c.threads[0], problems),
            (Lines{"21 fork_child 10 main spawn", "25 exit spawn d1", "27 exit main d0"}));
  EXPECT_EQ(problems_text(problems), "");

  struct Rec : CallVisitor {
    std::string log;
    void on_enter(const Call& c) override { log += fmt::format("+{}{} ", c.site, c.inherited ? "i" : ""); }
    void on_exit(const Call& c) override {
      log += fmt::format("-{}:{}:{}{} ", c.site, c.end_ns - c.begin_ns, c.end_ns - c.begin_ns - c.child_ns,
                         c.complete ? "" : "?");
    }
    void on_event(const TraceEvent& e) override { log += fmt::format("e{} ", static_cast<int>(e.kind)); }
  } rec;
  walk_calls(d, c, c.threads[0], rec, problems);
  EXPECT_EQ(rec.log, "e9 +1i +2i -2:4:4 -1:6:2 ");
  Rec rec2;
  walk_calls(d, d.processes()[0], d.processes()[0].threads[0], rec2, problems);
  EXPECT_EQ(rec2.log, "+1 +2 e8 -2:20:20 -1:40:20 ");
  remove_tree(dir);
}

// A fiber (stack 7) enters work() and leaf() on thread 12, yields, and
// returns from both on thread 11: its calls pair across the two threads, in
// the order of its runs (thread 11's stream is read first), and stay out of
// the threads' own timelines.
struct FiberLog : FiberVisitor, CallVisitor {
  std::string log;
  CallVisitor& begin_fiber(std::uint64_t id, const std::vector<std::uint32_t>& tids) override {
    log += fmt::format("[fiber {} on", id);
    for (const auto t : tids) log += fmt::format(" {}", t);
    log += "] ";
    return *this;
  }
  void on_enter(const Call& c) override { log += fmt::format("+{} ", c.site); }
  void on_exit(const Call& c) override {
    log += fmt::format("-{}:{}{} ", c.site, c.end_ns - c.begin_ns, c.complete ? "" : "?");
  }
  void on_event(const TraceEvent& e) override {
    log += fmt::format("e{}:{} ", static_cast<int>(e.kind), e.stack_id);
  }
};

TEST(TraceRoundTrip, FiberCallsPairAcrossThreadsByRun) {
  TraceBuilder b;
  auto& p = b.process(10);
  p.switches_stacks = true;
  p.site(1, "loop").site(2, "work").site(3, "leaf");
  p.segment(12, 0, 0)
      .events.entry(1, 0)
      .stack_switch(10, 7, 1, 0)
      .entry(2, 20)
      .entry(3, 30)
      .stack_switch(40, 0, 0, 1)
      .exit(90);
  p.segment(11, 0, 0)
      .events.entry(1, 5)
      .stack_switch(50, 7, 2, 2)
      .exit(60)
      .exit(70)
      .stack_switch(80, 0, 0, 1)
      .exit(95);
  const std::string dir = temp_dir("fibers");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  const auto& pi = d.processes().at(0);
  ASSERT_TRUE(pi.switches_stacks);
  FiberLog fibers;
  walk_fibers(d, pi, fibers, problems);
  EXPECT_EQ(fibers.log, "[fiber 7 on 12 11] +2 +3 -3:30 -2:50 ");
  FiberLog thread;
  walk_calls(d, pi, pi.threads.at(1), thread, problems);
  EXPECT_EQ(thread.log, "+1 e15:7 e15:0 -1:90 ");
  EXPECT_EQ(problems_text(problems), "");
  remove_tree(dir);
}

TEST(TraceRoundTrip, FiberExitWithNoCallOpenIsAProblem) {
  TraceBuilder b;
  auto& p = b.process(10);
  p.switches_stacks = true;
  p.site(1, "work");
  p.segment(11, 0, 0).events.stack_switch(10, 7, 1, 0).entry(1, 20).exit(30).exit(40);
  const std::string dir = temp_dir("fiber-exit");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  FiberLog fibers;
  walk_fibers(d, d.processes().at(0), fibers, problems);
  EXPECT_EQ(fibers.log, "[fiber 7 on 11] +1 -1:10 ");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].text().find("offset 74: expected an exit to close an open call of fiber 7"),
            std::string::npos)
      << problems[0].text();
  remove_tree(dir);
}

TEST(TraceRoundTrip, CounterCalibration) {
  TraceBuilder b;
  auto& p = b.process(1);
  p.clock = ClockKind::rdtsc;  // no frequency: two clock chunks calibrate it (2 ticks per ns)
  p.clocks = {{1000, 5000, 0}, {3000, 6000, 0}};
  p.site(1, "f");
  p.segment(1, 0, 1000).events.entry(1, 1000).exit(1200);
  auto& q = b.process(2);
  q.clock = ClockKind::cntvct;
  q.counter_hz = 62500000;  // 16 ns per tick
  q.clocks = {{100, 5000, 0}};
  q.site(1, "g");
  q.segment(2, 0, 100).events.entry(1, 110).exit(120);
  const std::string dir = temp_dir("clock");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  EXPECT_EQ(problems_text(problems), "");
  EXPECT_DOUBLE_EQ(d.processes()[0].counter_hz, 2e9);
  EXPECT_EQ(d.start_ns(), 5000u);
  EXPECT_EQ(events_of(d, d.processes()[0], d.processes()[0].threads[0], problems),
            (Lines{"0 entry f d0", "100 exit f d0"}));
  EXPECT_EQ(events_of(d, d.processes()[1], d.processes()[1].threads[0], problems),
            (Lines{"160 entry g d0", "320 exit g d0"}));
  remove_tree(dir);
}

TEST(TraceRoundTrip, CallsStillOpenAtTheEndAreIncomplete) {
  TraceBuilder b;
  auto& p = b.process(3);
  p.site(1, "main").site(2, "f");
  p.segment(3, 0, 0, SegmentForm::open).events.entry(1, 0).entry(2, 10).exit(15).entry(2, 20);
  const std::string dir = temp_dir("open");
  b.write(dir);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  struct Rec : CallVisitor {
    std::string log;
    void on_exit(const Call& c) override {
      log += fmt::format("{}:{}{} ", c.site, c.end_ns - c.begin_ns, c.complete ? "" : "?");
    }
  } rec;
  walk_calls(d, d.processes()[0], d.processes()[0].threads[0], rec, problems);
  EXPECT_EQ(rec.log, "2:5 2:0? 1:20? ");
  EXPECT_EQ(problems_text(problems), "");
  remove_tree(dir);
}

}  // namespace
}  // namespace ariadne::tracefile::test

namespace ariadne::tracefile::test {
namespace {

TEST(TraceFormat, Crc32cKnownValues) {
  EXPECT_EQ(crc32c("123456789", 9), 0xe3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c("", 0), 0u);
  // Slicing-by-8 and the byte-wise tail agree at every length and alignment.
  std::uint8_t buf[64];
  for (int i = 0; i < 64; ++i) buf[i] = static_cast<std::uint8_t>(i * 37 + 11);
  for (std::size_t off = 0; off < 8; ++off)
    for (std::size_t n = 0; off + n <= 64; ++n) {
      std::uint32_t running = 0;
      for (std::size_t i = 0; i < n; ++i) running = crc32c(buf + off + i, 1, running);
      ASSERT_EQ(crc32c(buf + off, n), running) << off << " " << n;
    }
}

// The CPU's CRC-32C instructions (when crc32c uses them) and the tables agree
// on every length, alignment and continuation.
TEST(TraceFormat, Crc32cInstructionsAgreeWithTheTables) {
  std::vector<std::uint8_t> bytes(4096 + 16);
  std::uint32_t x = 12345;
  for (auto& b : bytes) b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 24);
  for (std::size_t offset : {0, 1, 3, 7}) {
    for (std::size_t n : {0, 1, 7, 8, 9, 63, 64, 65, 1000, 4096}) {
      const std::uint8_t* p = bytes.data() + offset;
      EXPECT_EQ(crc32c(p, n), crc32c_portable(p, n)) << "offset " << offset << " length " << n;
      EXPECT_EQ(crc32c(p + n / 2, n - n / 2, crc32c(p, n / 2)), crc32c_portable(p, n))
          << "continued, length " << n;
    }
  }
}

}  // namespace
}  // namespace ariadne::tracefile::test
