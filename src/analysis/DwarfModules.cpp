#include "analysis/DwarfModules.hpp"

#include <dwarf.h>
#include <fmt/format.h>

#include <cstdlib>

#include "arch/Isa.hpp"

namespace ariadne::analysis {

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

}  // namespace

DwarfModule::DwarfModule(const std::string& path, const std::string& build_id) {
  dwfl_ = dwfl_begin(&kOffline);
  if (dwfl_ == nullptr) return;
  Dwfl_Module* mod = dwfl_report_offline(dwfl_, path.c_str(), path.c_str(), -1);
  dwfl_report_end(dwfl_, nullptr, nullptr);
  if (mod != nullptr && (build_id.empty() || hex_build_id(mod) == build_id)) mod_ = mod;
}

DwarfModule::~DwarfModule() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

Dwarf_Addr DwarfModule::bias() const {
  Dwarf_Addr bias = 0;
  if (mod_ != nullptr) dwfl_module_getelf(mod_, &bias);
  return bias;
}

bool DwarfModule::subprogram_at(Dwarf_Addr address, Dwarf_Die& out) const {
  if (mod_ == nullptr) return false;
  Dwarf_Addr cu_bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod_, address + bias(), &cu_bias);
  if (cu == nullptr) return false;
  Dwarf_Die* scopes = nullptr;
  const int n = dwarf_getscopes(cu, address + bias() - cu_bias, &scopes);
  bool found = false;
  for (int i = 0; i < n && !found; ++i) {
    if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram) continue;
    out = scopes[i];
    found = true;
  }
  std::free(scopes);
  return found;
}

bool DwarfModules::subprogram(std::uint32_t site, Dwarf_Die& out) {
  const auto s = process_.sites.find(site);
  if (s == process_.sites.end() || s->second.module >= process_.modules.size()) return false;
  const tracefile::ModuleInfo& info = process_.modules[s->second.module];
  auto& m = modules_[s->second.module];
  if (!m) m = std::make_unique<DwarfModule>(info.path, info.build_id);
  // The recorded address less the module's load bias is its address in the file.
  const Dwarf_Addr address = s->second.address - info.base;
  const auto isa = arch::from_name(process_.arch);
  const Dwarf_Addr after_sled = address + (isa ? arch::sled_bytes(*isa) : 0);
  for (const Dwarf_Addr at : {address, after_sled})
    if (m->subprogram_at(at, out)) return true;
  return false;
}

}  // namespace ariadne::analysis
