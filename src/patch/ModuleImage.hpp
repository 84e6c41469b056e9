// What the trace runtime learns about one loaded module (the executable or a
// DSO) from its ELF file: where its patch sites are and what they are called.
// Read with elfutils at load time (never on a hot path); the core turns this
// into its site tables and patches the code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ariadne::patch {

struct SiteSymbol {
  std::uintptr_t address = 0;       // run-time address of the sled (bias applied)
  std::string name;                 // demangled; "" if no symbol covers the site
  std::string mangled;              // as in .symtab/.dynsym; ""
  std::uintptr_t symbol_start = 0;  // run-time [start, end) of the covering symbol, 0 if none
  std::uintptr_t symbol_end = 0;
  // A library call's site (src/trace/LibCalls.cpp): the defining library's
  // path, which the site names as its module; "" for the module's own sites.
  std::string library;
};

struct ModuleImage {
  std::string
      path;  // as the loader names it ("" for the main program is replaced by /proc/self/exe's target)
  std::uintptr_t bias = 0;    // dlpi_addr: run-time address - link-time address
  std::uintptr_t lowest = 0;  // run-time span of all PT_LOAD segments [lowest, highest)
  std::uintptr_t highest = 0;
  std::string build_id;           // hex, "" if none
  std::vector<SiteSymbol> sites;  // sorted by address, unique
  // Non-empty when the module cannot be traced or only partly; one line per
  // problem (joined with '\n'), each naming the module and saying why
  // ("built without -fpatchable-function-entry", "stripped: no symbols,
  // sites traced by address", "unknown NOP pattern at 0x... (bytes 1f 20 03 d5)").
  std::string problem;
  bool skip = false;         // true: do not patch anything in this module
  bool instrumented = true;  // false: no __patchable_function_entries at all (libc...)
  // Run-time [start, end) of each allocated SHF_EXECINSTR section (.text,
  // .plt...) of an instrumented module: where replay looks for instructions
  // whose results differ between runs (docs/replay.md).
  struct CodeRange {
    std::uintptr_t start = 0;
    std::uintptr_t end = 0;
  };
  std::vector<CodeRange> code;
  // The module's PLT slots (.rela.plt JUMP_SLOT relocations) of an
  // instrumented module: where library calls can be traced (src/trace/LibCalls.cpp).
  struct PltSlot {
    std::uintptr_t got = 0;  // run-time address of the GOT slot the PLT jumps through
    std::string symbol;      // as in .dynsym
    std::string name;        // demangled
    std::string version;     // the version it binds to ("GLIBC_2.14"), "" if none
  };
  std::vector<PltSlot> plt;
  // Run-time [start, end) of PT_GNU_RELRO, page-rounded: read-only after
  // relocation (a BIND_NOW module's GOT is in it); 0, 0 if none.
  std::uintptr_t relro_start = 0;
  std::uintptr_t relro_end = 0;
};

}  // namespace ariadne::patch
