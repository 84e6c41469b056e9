// A whole recording directory: the input is an archive of files
// (TraceArchive.hpp) written to a scratch directory, opened with
// TraceDir::open and every thread walked with walk_calls.
#include <unistd.h>

#include <string>

#include "FuzzCommon.hpp"
#include "TraceArchive.hpp"
#include "tracefile/TraceDir.hpp"

using namespace ariadne::tracefile;

namespace {
struct Count : CallVisitor {
  std::uint64_t n = 0;
  void on_enter(const Call& c) override { n += c.depth; }
  void on_exit(const Call& c) override { n += c.end_ns - c.begin_ns; }
  void on_event(const TraceEvent& e) override { n += e.number; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchDir scratch;
  const std::string& dir = scratch.dir;
  if (!unpack_archive(data, size, dir)) return 0;
  std::vector<Problem> problems;
  try {
    const TraceDir t = TraceDir::open(dir, problems);
    Count c;
    for (const auto& p : t.processes())
      for (const auto& th : p.threads) walk_calls(t, p, th, c, problems);
  } catch (const TraceError&) {
  }
  return 0;
}
