// Reader throughput: tracefile_throughput [MILLION_EVENTS] [raw|zst]
// writes one thread of entry/exit pairs (three levels deep, 4 MiB
// segments) with TraceBuilder, then times for_each_event and walk_calls over
// it. ctest runs it small as a smoke test; the figures come from a release build.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "TraceBuilder.hpp"

using namespace ariadne::tracefile;
using namespace ariadne::tracefile::test;

namespace {
// Thread CPU time, not wall-clock: the figure should not depend on what else
// the machine is running (wall-clock time would count the time slices lost).
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

int main(int argc, char** argv) {
  const double millions = argc > 1 ? std::atof(argv[1]) : 1.0;
  const bool zst = argc > 2 && std::strcmp(argv[2], "zst") == 0;
  const auto total = static_cast<std::uint64_t>(millions * 1e6);
  TraceBuilder b;
  auto& p = b.process(1);
  p.site(1, "a").site(2, "b").site(3, "c");
  const std::string dir = temp_dir("throughput");
  std::uint64_t t = 0, written = 0;
  std::uint32_t seq = 0;
  const auto form = zst ? SegmentForm::compressed : SegmentForm::sealed;
  // Segments are written and dropped one by one to keep memory flat.
  b.write(dir);
  while (written < total) {
    Segment s;
    s.pid = s.tid = 1;
    s.seq = seq++;
    s.base = t;
    s.form = form;
    s.events = Events(t);
    while (s.events.bytes().size() < (4u << 20) - 64 && written < total) {
      s.events.entry(1, t + 3).entry(2, t + 8).entry(3, t + 10).exit(t + 17).exit(t + 18).exit(t + 22);
      t += 22;
      written += 6;
    }
    write_bytes(dir + "/1/" + s.file_name(), s.file());
  }
  std::vector<Problem> problems;
  TraceDir d = TraceDir::open(dir, problems);
  const auto& pi = d.processes().at(0);
  const auto& th = pi.threads.at(0);
  double t0 = cpu_seconds();
  std::uint64_t n = 0, sum = 0;
  d.for_each_event(
      pi, th,
      [&](const TraceEvent& e) {
        ++n;
        sum += e.ns;
        return true;
      },
      problems);
  const double s1 = cpu_seconds() - t0;
  struct Count : CallVisitor {
    std::uint64_t calls = 0;
    void on_exit(const Call&) override { ++calls; }
  } c;
  t0 = cpu_seconds();
  walk_calls(d, pi, th, c, problems);
  const double s2 = cpu_seconds() - t0;
  std::printf(
      "%llu events in %u %s segments: for_each_event %.1f M events/s, walk_calls %.1f M events/s (%llu "
      "calls; CPU time)\n",
      static_cast<unsigned long long>(n), seq, zst ? "zstd" : "raw", static_cast<double>(n) / s1 / 1e6,
      static_cast<double>(n) / s2 / 1e6, static_cast<unsigned long long>(c.calls));
  remove_tree(dir);
  const bool ok = problems.empty() && n == written && c.calls == written / 2 && sum != 0;
  if (!ok)
    std::printf("FAILED: %zu problems, %llu events of %llu\n", problems.size(),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(written));
  return ok ? 0 : 1;
}
