#include "analysis/SourceLines.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fmt/format.h>

#include <cstdlib>

#include "arch/Isa.hpp"

namespace ariadne::analysis {

// One module's libdwfl session, opened on first use; `mod` is null when the
// file cannot be read or is not the one recorded.
struct SourceLines::Module {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  ~Module() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }
};

namespace {

const Dwfl_Callbacks kOffline = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

std::string hex_build_id(Dwfl_Module* mod) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int n = dwfl_module_build_id(mod, &bits, &vaddr);
  std::string hex;
  for (int i = 0; i < n; ++i) hex += fmt::format("{:02x}", bits[i]);
  return hex;
}

// "file.c:12" of the innermost subprogram whose range holds `address`.
std::string declaration_at(Dwfl_Module* mod, Dwarf_Addr address) {
  Dwarf_Addr cu_bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, address, &cu_bias);
  if (cu == nullptr) return "";
  Dwarf_Die* scopes = nullptr;
  const int n = dwarf_getscopes(cu, address - cu_bias, &scopes);
  std::string where;
  for (int i = 0; i < n; ++i) {
    if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram) continue;
    int line = 0;
    const char* file = dwarf_decl_file(&scopes[i]);
    if (file != nullptr && dwarf_decl_line(&scopes[i], &line) == 0 && line > 0)
      where = fmt::format("{}:{}", file, line);
    break;
  }
  std::free(scopes);
  return where;
}

}  // namespace

SourceLines::SourceLines(const tracefile::ProcessInfo& process) : process_(process) {}
SourceLines::~SourceLines() = default;

SourceLines::Module* SourceLines::module(std::uint32_t index) {
  auto& slot = modules_[index];
  if (slot) return slot.get();
  slot = std::make_unique<Module>();
  if (index >= process_.modules.size()) return slot.get();
  const tracefile::ModuleInfo& info = process_.modules[index];
  slot->dwfl = dwfl_begin(&kOffline);
  if (slot->dwfl == nullptr) return slot.get();
  Dwfl_Module* mod = dwfl_report_offline(slot->dwfl, info.path.c_str(), info.path.c_str(), -1);
  dwfl_report_end(slot->dwfl, nullptr, nullptr);
  // A file rebuilt since the recording would name other lines: none rather
  // than wrong ones.
  if (mod != nullptr && (info.build_id.empty() || hex_build_id(mod) == info.build_id)) slot->mod = mod;
  return slot.get();
}

const std::string& SourceLines::at(std::uint32_t site) {
  auto [it, fresh] = cache_.try_emplace(site);
  if (!fresh) return it->second;
  const auto s = process_.sites.find(site);
  if (s == process_.sites.end() || s->second.module >= process_.modules.size()) return it->second;
  Module* m = module(s->second.module);
  if (m->mod == nullptr) return it->second;
  // The recorded address less the module's load bias is its address in the
  // file; libdwfl's bias maps file addresses to where it placed the module.
  Dwarf_Addr bias = 0;
  if (dwfl_module_getelf(m->mod, &bias) == nullptr) return it->second;
  const Dwarf_Addr address = s->second.address - process_.modules[s->second.module].base + bias;
  // The function's declaration (DW_AT_decl_file/line of the subprogram
  // around the address), not the line table's row for it: on AArch64 the
  // sled's NOPs lie before the function's DWARF range and first row (the
  // row found there would be the previous function's last line), so the
  // first address after the sled is tried too.
  const auto isa = arch::from_name(process_.arch);
  const Dwarf_Addr after_sled = address + (isa ? arch::sled_bytes(*isa) : 0);
  for (const Dwarf_Addr at : {address, after_sled}) {
    it->second = declaration_at(m->mod, at);
    if (!it->second.empty()) break;
  }
  return it->second;
}

}  // namespace ariadne::analysis
