// Writes the recordings the `ariadne dump` tests read (check_dump.py knows
// what is in them):
//   make_dump_trace DIR demo   two processes, an exec'd image, three threads,
//                              captured values, fork/exec/signal/lost events
//   make_dump_trace DIR damaged  the same with thread 100's second segment corrupted
//   make_dump_trace DIR big N  one thread making N calls, over many compressed segments
// Timestamps are CLOCK_MONOTONIC ns (the builder's default clock), so every
// duration is exact.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "TraceBuilder.hpp"

using namespace ariadne::tracefile;
using namespace ariadne::tracefile::test;

namespace {

void demo(TraceBuilder& b) {
  b.session.argv = {"demo", "-x"};
  auto& parent = b.process(100, "100");
  parent.argv = {"/usr/bin/demo", "-x"};
  parent.site(1, "main").site(2, "compute(int)").site(3, "leaf").site(4, "worker");
  // main 1000..2000 { compute(7) 1100..1400 = 49 { leaf 1150..1250 }, compute 1500..1800 { leaf, leaf } }
  parent.segment(100, 0, 1000)
      .events.entry(1, 1000)
      .entry_args(2, 1100, {int_value(7)})
      .entry(3, 1150)
      .exit(1250)
      .exit_retval(1400, int_value(49))
      .signal(1450, 10)
      .entry(2, 1500)
      .entry(3, 1550)
      .exit(1600)
      .entry(3, 1650)
      .exit(1700)
      .exit(1800)
      .fork(1850, 101)
      .lost(1900, 3);
  parent.segment(100, 1, 1900, SegmentForm::compressed, 1).events.exit(2000);
  // thread 102: worker 1300..1500 { leaf 1310..1410 }, left by a crash (open segment)
  parent.segment(102, 0, 1200, SegmentForm::open)
      .events.thread_start(1200, 100)
      .entry(4, 1300)
      .entry(3, 1310)
      .exit(1410)
      .exit(1500)
      .thread_exit(1600);

  // The fork child: main is open (inherited, from 1860 on), compute 1870..1970, then exec at 2000.
  auto& child = b.process(101, "101");
  child.ppid = 100;
  child.forked_from = 100;
  child.argv = {"/usr/bin/demo", "-x"};  // not parent.argv: process() may have moved it
  child.site(1, "main").site(2, "compute(int)").site(3, "leaf").site(4, "worker");
  child.ended = false;
  child.segment(101, 0, 1860)
      .events.fork_child(1860, 100, {1})
      .entry(2, 1870)
      .exit(1970)
      .exec(2000, "/usr/bin/other");

  // The exec'd image: other_main 2100..2500 { leaf 2200..2300 }
  auto& image = b.process(101, "101.1");
  image.ppid = 100;
  image.execd_from = "101";  // the directory of the image that exec'd it
  image.argv = {"/usr/bin/other"};
  image.modules = {{"/usr/bin/other", 0x400000, "0123456789abcdef"}};
  image.site(1, "other_main").site(3, "leaf");
  image.segment(101, 0, 2100).events.entry(1, 2100).entry(3, 2200).exit(2300).exit(2500);
}

// main { N x (f { g }) }, 4096 calls per segment.
void big(TraceBuilder& b, unsigned long calls) {
  b.session.argv = {"big"};
  auto& p = b.process(200, "200");
  p.argv = {"/usr/bin/big"};
  p.site(1, "main").site(2, "f").site(3, "g");
  std::uint64_t t = 1000;
  std::uint32_t seq = 0;
  Segment* s = &p.segment(200, seq++, t, SegmentForm::compressed);
  s->events.entry(1, t);
  for (unsigned long i = 0; i < calls; ++i) {
    if (i != 0 && i % 4096 == 0) s = &p.segment(200, seq++, t, SegmentForm::compressed, 1);
    s->events.entry(2, t + 1).entry(3, t + 2).exit(t + 5).exit(t + 7);
    t += 10;
  }
  s->events.exit(t);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_dump_trace DIR demo|damaged|big N\n");
    return 2;
  }
  const std::string dir = argv[1], what = argv[2];
  TraceBuilder b;
  if (what == "big" && argc == 4) {
    big(b, std::strtoul(argv[3], nullptr, 10));
  } else if (what == "demo" || what == "damaged") {
    demo(b);
  } else {
    std::fprintf(stderr, "make_dump_trace: unknown trace '%s'\n", what.c_str());
    return 2;
  }
  b.write(dir);
  if (what == "damaged") {
    const std::string segment = dir + "/100/t100-1.seg.zst";
    const auto bytes = read_bytes(segment);
    flip_byte(segment, bytes.size() / 2);
  }
  return 0;
}
