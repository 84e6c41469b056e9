// See ModuleScanner.hpp. Two phases per module: the header (path, span,
// build id) from the program headers in memory, then the sites and names from
// the ELF file through libelf. Symbols are sorted once and every site is
// found by binary search, so 100k sites cost O(n log n).
#include "patch/ModuleScanner.hpp"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string_view>

#include "arch/CodePatch.hpp"
#include "patch/PltSlots.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::patch {
namespace {

constexpr std::string_view kEntriesSection = "__patchable_function_entries";

struct Segment {
  std::uintptr_t start;
  std::uintptr_t end;
};

struct LoadedModule {  // what the dl_iterate_phdr callback copies out
  std::string name;
  std::uintptr_t bias;
  std::vector<ElfW(Phdr)> phdrs;
};

std::string hex_address(std::uintptr_t value) {
  char text[2 + 16 + 1];
  std::snprintf(text, sizeof text, "0x%lx", static_cast<unsigned long>(value));
  return text;
}

void add_problem(ModuleImage& module, const std::string& why) {
  if (!module.problem.empty()) module.problem += '\n';
  module.problem += module.path + ": " + why;
}

std::string main_program_path() {
  char buffer[4096];
  const long length = sys_readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

std::uintptr_t align_up(std::uintptr_t value, std::uintptr_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

// NT_GNU_BUILD_ID from the PT_NOTE segments in memory (always mapped, so no
// file access is needed and it describes the code that actually runs).
std::string build_id_from_notes(std::uintptr_t bias, std::span<const ElfW(Phdr)> phdrs) {
  for (const ElfW(Phdr) & phdr : phdrs) {
    if (phdr.p_type != PT_NOTE) continue;
    const std::uintptr_t alignment = phdr.p_align == 8 ? 8 : 4;
    std::uintptr_t at = bias + phdr.p_vaddr;
    const std::uintptr_t end = at + phdr.p_memsz;
    while (at + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, reinterpret_cast<const void*>(at), sizeof note);
      const std::uintptr_t name = at + sizeof note;
      const std::uintptr_t desc = align_up(name + note.n_namesz, alignment);
      const std::uintptr_t next = align_up(desc + note.n_descsz, alignment);
      if (next > end || next <= at) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(reinterpret_cast<const void*>(name), "GNU", 4) == 0) {
        std::string hex;
        const auto* bytes = reinterpret_cast<const unsigned char*>(desc);
        for (std::size_t i = 0; i < note.n_descsz; ++i) {
          char pair[3];
          std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
          hex += pair;
        }
        return hex;
      }
      at = next;
    }
  }
  return {};
}

struct FunctionSymbol {
  std::uintptr_t start;  // run-time
  std::uintptr_t end;
  unsigned char binding;
  const char* mangled;  // owned by the Elf handle
};

// Among symbols at one address (aliases such as C1/C2 constructors or a
// global and its local alias) the same one is chosen every time.
bool preferred(const FunctionSymbol& a, const FunctionSymbol& b) {
  if (a.start != b.start) return a.start < b.start;
  auto rank = [](unsigned char binding) { return binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2; };
  if (rank(a.binding) != rank(b.binding)) return rank(a.binding) < rank(b.binding);
  return std::strcmp(a.mangled, b.mangled) < 0;
}

std::vector<FunctionSymbol> function_symbols(Elf* elf, Elf_Scn* table, std::uintptr_t bias) {
  std::vector<FunctionSymbol> symbols;
  GElf_Shdr shdr;
  if (gelf_getshdr(table, &shdr) == nullptr || shdr.sh_entsize == 0) return symbols;
  Elf_Data* data = elf_getdata(table, nullptr);
  if (data == nullptr) return symbols;
  const std::size_t count = shdr.sh_size / shdr.sh_entsize;
  symbols.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
    if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
    const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
    if (name == nullptr || *name == '\0') continue;
    const std::uintptr_t start = bias + sym.st_value;
    // A size-0 symbol (hand-written assembly) still covers its own sled.
    const std::uintptr_t size = sym.st_size != 0 ? sym.st_size : 4 + arch::sled_size();
    symbols.push_back({start, start + size, GELF_ST_BIND(sym.st_info), name});
  }
  std::sort(symbols.begin(), symbols.end(), preferred);
  return symbols;
}

const FunctionSymbol* covering(const std::vector<FunctionSymbol>& symbols, std::uintptr_t site) {
  auto after = std::upper_bound(symbols.begin(), symbols.end(), site,
                                [](std::uintptr_t at, const FunctionSymbol& s) { return at < s.start; });
  if (after == symbols.begin()) return nullptr;
  const std::uintptr_t start = std::prev(after)->start;
  // The preferred alias is the first of the symbols that share this start.
  auto first = std::lower_bound(symbols.begin(), after, start,
                                [](const FunctionSymbol& s, std::uintptr_t at) { return s.start < at; });
  return site < first->end ? &*first : nullptr;
}

std::string demangled(const char* mangled) {
  if (std::strncmp(mangled, "_Z", 2) != 0) return mangled;
  int status = 0;
  char* text = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status != 0 || text == nullptr) return mangled;
  std::string name(text);
  std::free(text);
  return name;
}

std::string sled_bytes(std::uintptr_t site) {
  std::string text;
  const auto* bytes = reinterpret_cast<const unsigned char*>(site);
  for (std::size_t i = 0; i < arch::sled_size(); ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, i == 0 ? "%02x" : " %02x", bytes[i]);
    text += pair;
  }
  return text;
}

void fill_header(ModuleImage& module, const char* loader_name, std::uintptr_t bias,
                 std::span<const ElfW(Phdr)> phdrs) {
  module.path = (loader_name == nullptr || *loader_name == '\0') ? main_program_path() : loader_name;
  module.bias = bias;
  module.lowest = UINTPTR_MAX;
  module.highest = 0;
  for (const ElfW(Phdr) & phdr : phdrs) {
    if (phdr.p_type != PT_LOAD) continue;
    module.lowest = std::min<std::uintptr_t>(module.lowest, bias + phdr.p_vaddr);
    module.highest = std::max<std::uintptr_t>(module.highest, bias + phdr.p_vaddr + phdr.p_memsz);
  }
  if (module.lowest > module.highest) module.lowest = module.highest = 0;
  module.build_id = build_id_from_notes(bias, phdrs);
}

// Entries of every __patchable_function_entries section (a relocatable or
// oddly linked object can have several), read from memory, inside executable
// segments only, sorted and unique.
std::vector<std::uintptr_t> site_addresses(Elf* elf, std::uintptr_t bias, const std::vector<Segment>& loaded,
                                           const std::vector<Segment>& executable, bool* found) {
  std::vector<std::uintptr_t> sites;
  std::size_t strings = 0;
  if (elf_getshdrstrndx(elf, &strings) != 0) return sites;
  auto inside = [](const std::vector<Segment>& segments, std::uintptr_t from, std::uintptr_t to) {
    return std::any_of(segments.begin(), segments.end(),
                       [&](const Segment& s) { return from >= s.start && to <= s.end; });
  };
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    const char* name = elf_strptr(elf, strings, shdr.sh_name);
    if (name == nullptr || kEntriesSection != name) continue;
    *found = true;
    const std::uintptr_t from = bias + shdr.sh_addr;
    const std::uintptr_t to = from + shdr.sh_size;
    if ((shdr.sh_flags & SHF_ALLOC) == 0 || shdr.sh_type == SHT_NOBITS || !inside(loaded, from, to)) continue;
    for (std::uintptr_t at = from; at + sizeof(std::uintptr_t) <= to; at += sizeof(std::uintptr_t)) {
      std::uintptr_t site;
      std::memcpy(&site, reinterpret_cast<const void*>(at), sizeof site);
      // Entries of functions the linker discarded are 0 or point nowhere.
      if (site != 0 && inside(executable, site, site + arch::sled_size())) sites.push_back(site);
    }
  }
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  return sites;
}

void fill_sites(ModuleImage& module, std::span<const ElfW(Phdr)> phdrs) {
  std::vector<Segment> loaded, executable;
  for (const ElfW(Phdr) & phdr : phdrs) {
    if (phdr.p_type != PT_LOAD) continue;
    const Segment segment{module.bias + phdr.p_vaddr, module.bias + phdr.p_vaddr + phdr.p_memsz};
    loaded.push_back(segment);
    if ((phdr.p_flags & PF_X) != 0) executable.push_back(segment);
  }

  const int fd = sys_open(module.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    add_problem(module, std::string("cannot open: ") + std::strerror(-fd) + ": not traced");
    module.skip = true;
    return;
  }
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    add_problem(module, std::string("not an ELF file (") + elf_errmsg(-1) + "): not traced");
    module.skip = true;
    if (elf != nullptr) elf_end(elf);
    sys_close(fd);
    return;
  }

  bool found = false;
  const std::vector<std::uintptr_t> addresses = site_addresses(elf, module.bias, loaded, executable, &found);
  if (!found) {
    add_problem(module, "built without -fpatchable-function-entry: not traced");
    module.skip = true;
    module.instrumented = false;
    elf_end(elf);
    sys_close(fd);
    return;
  }

  Elf_Scn* symtab = nullptr;
  Elf_Scn* dynsym = nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    if (shdr.sh_type == SHT_SYMTAB) symtab = scn;
    if (shdr.sh_type == SHT_DYNSYM) dynsym = scn;
    constexpr auto kCode = SHF_ALLOC | SHF_EXECINSTR;
    if ((shdr.sh_flags & kCode) == kCode && shdr.sh_type == SHT_PROGBITS && shdr.sh_size != 0) {
      const ModuleImage::CodeRange range{module.bias + shdr.sh_addr,
                                         module.bias + shdr.sh_addr + shdr.sh_size};
      if (std::any_of(executable.begin(), executable.end(),
                      [&](const Segment& x) { return range.start >= x.start && range.end <= x.end; }))
        module.code.push_back(range);
    }
  }
  if (symtab == nullptr) add_problem(module, "stripped (no .symtab): names from .dynsym only");
  std::vector<FunctionSymbol> symbols;
  if (symtab != nullptr || dynsym != nullptr)
    symbols = function_symbols(elf, symtab != nullptr ? symtab : dynsym, module.bias);

  module.sites.reserve(addresses.size());
  std::size_t unknown = 0;
  constexpr std::size_t kUnknownLines = 3;  // enough to diagnose, not a flood
  for (std::uintptr_t address : addresses) {
    const arch::SledState state = arch::classify(reinterpret_cast<const std::byte*>(address), nullptr);
    if (state == arch::SledState::unknown) {
      // Someone else's patch (or a sled we do not understand): leave it alone.
      if (++unknown <= kUnknownLines)
        add_problem(module, "unknown NOP pattern at " + hex_address(address) + " (bytes " +
                                sled_bytes(address) + "): site not traced");
      continue;
    }
    SiteSymbol site;
    site.address = address;
    if (const FunctionSymbol* symbol = covering(symbols, address)) {
      site.mangled = symbol->mangled;
      site.name = demangled(symbol->mangled);
      site.symbol_start = symbol->start;
      site.symbol_end = symbol->end;
    }
    module.sites.push_back(std::move(site));
  }
  if (unknown > kUnknownLines)
    add_problem(module, std::to_string(unknown) + " sites with unknown NOP patterns in all: not traced");
  read_plt_slots(elf, module);
  for (ModuleImage::PltSlot& slot : module.plt) slot.name = demangled(slot.symbol.c_str());
  const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  for (const ElfW(Phdr) & phdr : phdrs) {
    if (phdr.p_type != PT_GNU_RELRO) continue;
    module.relro_start = (module.bias + phdr.p_vaddr) & ~(page - 1);
    module.relro_end = align_up(module.bias + phdr.p_vaddr + phdr.p_memsz, page);
  }
  elf_end(elf);
  sys_close(fd);
}

bool is_vdso(std::span<const ElfW(Phdr)> phdrs, std::uintptr_t bias) {
  const std::uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  if (vdso == 0) return false;
  return std::any_of(phdrs.begin(), phdrs.end(), [&](const ElfW(Phdr) & p) {
    return p.p_type == PT_LOAD && vdso >= bias + p.p_vaddr && vdso < bias + p.p_vaddr + p.p_memsz;
  });
}

int copy_module(dl_phdr_info* info, std::size_t, void* out) {
  if (is_vdso({info->dlpi_phdr, info->dlpi_phnum}, info->dlpi_addr)) return 0;
  static_cast<std::vector<LoadedModule>*>(out)->push_back(
      {info->dlpi_name != nullptr ? info->dlpi_name : "", info->dlpi_addr,
       std::vector<ElfW(Phdr)>(info->dlpi_phdr, info->dlpi_phdr + info->dlpi_phnum)});
  return 0;
}

}  // namespace

ModuleImage scan_module(const char* loader_name, std::uintptr_t bias, std::span<const ElfW(Phdr)> phdrs) {
  ModuleImage module;
  fill_header(module, loader_name, bias, phdrs);
  fill_sites(module, phdrs);
  return module;
}

std::vector<ModuleImage> scan_loaded_modules(const SkipModule& skip) {
  // The loader lock is held inside dl_iterate_phdr: copy, then scan outside.
  std::vector<LoadedModule> loaded;
  dl_iterate_phdr(copy_module, &loaded);
  std::vector<ModuleImage> modules;
  modules.reserve(loaded.size());
  for (const LoadedModule& entry : loaded) {
    ModuleImage module;
    fill_header(module, entry.name.c_str(), entry.bias, entry.phdrs);
    if (skip && skip(module)) continue;
    fill_sites(module, entry.phdrs);
    modules.push_back(std::move(module));
  }
  return modules;
}

}  // namespace ariadne::patch
