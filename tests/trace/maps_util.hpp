// /proc/self/maps for tests: which mappings exist and with what rights.
// Shared by the trace tests to assert W^X after patch batches (no mapping
// may be writable and executable at once) and to find veneer pages.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ariadne::test {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  std::string perms;  // "r-xp"
  std::string path;   // "" for anonymous mappings

  bool readable() const { return perms.size() > 0 && perms[0] == 'r'; }
  bool writable() const { return perms.size() > 1 && perms[1] == 'w'; }
  bool executable() const { return perms.size() > 2 && perms[2] == 'x'; }
  bool contains(std::uintptr_t address) const { return address >= start && address < end; }
};

inline std::vector<Mapping> read_self_maps() {
  std::vector<Mapping> mappings;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, offset, device, inode;
    Mapping mapping;
    fields >> range >> mapping.perms >> offset >> device >> inode;
    const auto dash = range.find('-');
    if (dash == std::string::npos) continue;
    mapping.start = std::stoull(range.substr(0, dash), nullptr, 16);
    mapping.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    std::getline(fields >> std::ws, mapping.path);
    mappings.push_back(mapping);
  }
  return mappings;
}

// Every mapping that is writable and executable at once (should be none).
inline std::vector<Mapping> writable_and_executable() {
  std::vector<Mapping> found;
  for (const Mapping& mapping : read_self_maps())
    if (mapping.writable() && mapping.executable()) found.push_back(mapping);
  return found;
}

// The mapping that holds `address`, or one with start == end == 0.
inline Mapping mapping_of(std::uintptr_t address) {
  for (const Mapping& mapping : read_self_maps())
    if (mapping.contains(address)) return mapping;
  return {};
}

}  // namespace ariadne::test
