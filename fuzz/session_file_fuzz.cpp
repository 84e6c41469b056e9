// The session file as the readers meet it: the input is written to
// DIR/ariadne.session and the directory opened with TraceDir::open (the
// recording check, the bounded read of a regular file, the chunk parser),
// once alone and once beside a process directory.
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "FuzzCommon.hpp"
#include "TraceArchive.hpp"
#include "tracefile/TraceDir.hpp"

using namespace ariadne::tracefile;

namespace {
void open_dir(const std::string& dir) {
  std::vector<Problem> problems;
  try {
    const TraceDir t = TraceDir::open(dir, problems);
    (void)t.session().argv.size();
  } catch (const TraceError&) {
  }
  for (const auto& p : problems) (void)p.text();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchDir scratch("-session");
  const std::string& dir = scratch.dir;
  write_input(dir, "", "ariadne.session", data, size);
  open_dir(dir);
  ::mkdir((dir + "/7").c_str(), 0755);
  open_dir(dir);
  return 0;
}
