// A process file as the readers meet it: the input is written to
// DIR/7/process (no session file, so it alone decides whether DIR is a
// recording), the directory opened with TraceDir::open and the process's
// clock and sites used as the commands use them.
#include <cstdio>
#include <string>

#include "FuzzCommon.hpp"
#include "TraceArchive.hpp"
#include "tracefile/TraceDir.hpp"

using namespace ariadne::tracefile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchDir scratch("-process");
  const std::string& dir = scratch.dir;
  write_input(dir, "7", "7/process", data, size);
  std::vector<Problem> problems;
  try {
    const TraceDir t = TraceDir::open(dir, problems);
    std::uint64_t sum = t.start_ns();
    for (const auto& p : t.processes()) {
      sum += p.to_ns(12345) + p.to_ns(0) + p.to_ns(UINT64_MAX);
      for (const auto& [id, site] : p.sites) sum += p.site_name(id).size() + site.address;
      sum += p.site_name(0xfffffffeu).size();
    }
    (void)sum;
  } catch (const TraceError&) {
  }
  for (const auto& p : problems) (void)p.text();
  return 0;
}
