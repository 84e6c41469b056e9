// See PltSlots.hpp. The relocation type is chosen by the file's e_machine,
// so one reader serves both architectures.
#include "patch/PltSlots.hpp"

#include <elf.h>

#include <cstring>
#include <vector>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::patch {
namespace {

unsigned jump_slot_type(unsigned machine) {
  switch (machine) {
    case EM_X86_64:
      return R_X86_64_JUMP_SLOT;
    case EM_AARCH64:
      return R_AARCH64_JUMP_SLOT;
    default:
      return 0;
  }
}

Elf_Scn* section_of_type(Elf* elf, GElf_Word type, GElf_Shdr* shdr) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    if (gelf_getshdr(scn, shdr) != nullptr && shdr->sh_type == type) return scn;
  }
  return nullptr;
}

// Version index -> name, from .gnu.version_r (what the module needs).
std::vector<std::string> needed_versions(Elf* elf) {
  std::vector<std::string> names;
  GElf_Shdr shdr;
  Elf_Scn* scn = section_of_type(elf, SHT_GNU_verneed, &shdr);
  Elf_Data* data = scn != nullptr ? elf_getdata(scn, nullptr) : nullptr;
  if (data == nullptr) return names;
  int offset = 0;
  for (GElf_Word n = 0; n < shdr.sh_info; ++n) {
    GElf_Verneed need;
    if (gelf_getverneed(data, offset, &need) == nullptr) break;
    int aux_offset = offset + static_cast<int>(need.vn_aux);
    for (GElf_Half k = 0; k < need.vn_cnt; ++k) {
      GElf_Vernaux aux;
      if (gelf_getvernaux(data, aux_offset, &aux) == nullptr) break;
      const char* name = elf_strptr(elf, shdr.sh_link, aux.vna_name);
      const std::size_t index = aux.vna_other & 0x7fff;
      if (names.size() <= index) names.resize(index + 1);
      if (name != nullptr) names[index] = name;
      aux_offset += static_cast<int>(aux.vna_next);
    }
    if (need.vn_next == 0) break;
    offset += static_cast<int>(need.vn_next);
  }
  return names;
}

}  // namespace

void read_plt_slots(Elf* elf, ModuleImage& module) {
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr) return;
  const unsigned jump_slot = jump_slot_type(ehdr.e_machine);
  std::size_t strings = 0;
  if (jump_slot == 0 || elf_getshdrstrndx(elf, &strings) != 0) return;
  Elf_Scn* rela = nullptr;
  GElf_Shdr rela_shdr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    const char* name = gelf_getshdr(scn, &rela_shdr) != nullptr && rela_shdr.sh_type == SHT_RELA
                           ? elf_strptr(elf, strings, rela_shdr.sh_name)
                           : nullptr;
    if (name != nullptr && std::strcmp(name, ".rela.plt") == 0) {
      rela = scn;
      break;
    }
  }
  if (rela == nullptr || rela_shdr.sh_entsize == 0) return;
  Elf_Scn* dynsym = elf_getscn(elf, rela_shdr.sh_link);
  GElf_Shdr dynsym_shdr;
  Elf_Data* relocations = elf_getdata(rela, nullptr);
  Elf_Data* symbols = dynsym != nullptr ? elf_getdata(dynsym, nullptr) : nullptr;
  if (relocations == nullptr || symbols == nullptr || gelf_getshdr(dynsym, &dynsym_shdr) == nullptr) return;
  GElf_Shdr versym_shdr;
  Elf_Scn* versym = section_of_type(elf, SHT_GNU_versym, &versym_shdr);
  Elf_Data* versions = versym != nullptr ? elf_getdata(versym, nullptr) : nullptr;
  const std::vector<std::string> version_names = needed_versions(elf);

  const std::size_t count = rela_shdr.sh_size / rela_shdr.sh_entsize;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Rela r;
    if (gelf_getrela(relocations, static_cast<int>(i), &r) == nullptr) continue;
    if (GELF_R_TYPE(r.r_info) != jump_slot) continue;  // IRELATIVE and the like: no symbol
    const auto index = static_cast<int>(GELF_R_SYM(r.r_info));
    GElf_Sym sym;
    if (index == 0 || gelf_getsym(symbols, index, &sym) == nullptr) continue;
    const char* name = elf_strptr(elf, dynsym_shdr.sh_link, sym.st_name);
    if (name == nullptr || *name == '\0') continue;
    ModuleImage::PltSlot slot;
    slot.got = module.bias + r.r_offset;
    slot.symbol = name;
    GElf_Versym version;
    if (versions != nullptr && gelf_getversym(versions, index, &version) != nullptr) {
      const std::size_t v = version & 0x7fff;
      if (v >= 2 && v < version_names.size()) slot.version = version_names[v];
    }
    module.plt.push_back(std::move(slot));
  }
}

}  // namespace ariadne::patch
