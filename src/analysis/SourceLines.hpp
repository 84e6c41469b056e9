// Source locations of recorded functions (`show --srcline`, `report
// --srcline`): the file and line where the function at each site is
// defined, from the DWARF of the module it was recorded in (libdw's libdwfl,
// the module read offline from its recorded path). Programs built without -g
// have no DWARF: their sites have no location, and the readers print none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "analysis/DwarfModules.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {

class SourceLines {
 public:
  explicit SourceLines(const tracefile::ProcessInfo& process) : dwarf_(process) {}

  // "dir/file.c:12" for the site, or "" when its module has no line for it
  // (no -g, the file gone or changed: its build-id no longer matches).
  const std::string& at(std::uint32_t site);

 private:
  DwarfModules dwarf_;
  std::map<std::uint32_t, std::string> cache_;
};

// One SourceLines per process of a recording, made on first use; nullptr
// from every call when `enabled` is false (no --srcline).
class SourceLinesByProcess {
 public:
  explicit SourceLinesByProcess(bool enabled) : enabled_(enabled) {}
  SourceLines* operator()(const tracefile::ProcessInfo& p) {
    if (!enabled_) return nullptr;
    auto& lines = by_process_[&p];
    if (!lines) lines = std::make_unique<SourceLines>(p);
    return lines.get();
  }

 private:
  bool enabled_;
  std::map<const tracefile::ProcessInfo*, std::unique_ptr<SourceLines>> by_process_;
};

}  // namespace ariadne::analysis
