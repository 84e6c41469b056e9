// Session and process files (chunk files): the first input byte chooses
// which parser reads the rest.
#include <vector>

#include "FuzzCommon.hpp"
#include "tracefile/ProcessFile.hpp"

using namespace ariadne::tracefile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::vector<std::uint8_t> bytes(data + 1, data + size);
  std::vector<Problem> problems;
  if (data[0] & 1) {
    SessionInfo s;
    parse_session_file("session", bytes, s, problems);
  } else {
    ProcessInfo p;
    parse_process_file("process", bytes, p, problems);
    (void)p.to_ns(12345);
    for (const auto& [id, site] : p.sites) (void)p.site_name(id);
  }
  for (const auto& pr : problems) (void)pr.text();
  return 0;
}
