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
struct Scratch {
  std::string dir = scratch_dir() + "-session";
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void write(const std::string& path, const std::uint8_t* data, std::size_t size) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
}

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
  static const Scratch scratch;
  const std::string& dir = scratch.dir;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  write(dir + "/ariadne.session", data, size);
  open_dir(dir);
  ::mkdir((dir + "/7").c_str(), 0755);
  open_dir(dir);
  return 0;
}
