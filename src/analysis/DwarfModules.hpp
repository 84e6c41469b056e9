// The DWARF of a recorded process's modules, read offline from the paths the
// recording names (libdw's libdwfl), each opened on first use and only if it
// is still the file recorded (same build-id): a file rebuilt since would
// describe other code. Shared by --srcline (SourceLines) and -a (AutoArgs).
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {

// One module's libdwfl session; `mod` is null when the file cannot be read
// or is not the one recorded (build_id "" accepts any).
class DwarfModule {
 public:
  DwarfModule(const std::string& path, const std::string& build_id);
  ~DwarfModule();
  DwarfModule(const DwarfModule&) = delete;
  DwarfModule& operator=(const DwarfModule&) = delete;

  Dwfl_Module* module() const { return mod_; }
  // The innermost subprogram DIE whose range holds the file address
  // `address` (libdwfl's bias applied here); false if none.
  bool subprogram_at(Dwarf_Addr address, Dwarf_Die& out) const;
  // libdwfl's bias: file address + bias = where libdwfl placed it.
  Dwarf_Addr bias() const;

 private:
  Dwfl* dwfl_ = nullptr;
  Dwfl_Module* mod_ = nullptr;
};

// The modules of one recorded process.
class DwarfModules {
 public:
  explicit DwarfModules(const tracefile::ProcessInfo& process) : process_(process) {}

  // The subprogram DIE of the function at `site`, and its module; false when
  // its module has no DWARF for it (no -g, the file gone or changed). On
  // AArch64 the sled's NOPs lie before the function's DWARF range, so the
  // first address after the sled is tried too.
  bool subprogram(std::uint32_t site, Dwarf_Die& out);

 private:
  const tracefile::ProcessInfo& process_;
  std::map<std::uint32_t, std::unique_ptr<DwarfModule>> modules_;
};

}  // namespace ariadne::analysis
