#include "launch/ElfIdentity.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "launch/LaunchError.hpp"

namespace ariadne::launch {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct ElfHandle {
  Elf* elf;
  ~ElfHandle() {
    if (elf != nullptr) elf_end(elf);
  }
};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw LaunchError(fmt::format("{}: {}", path, why));
}

// "#!INTERP ARG" on the first line: Ariadne runs ELF programs, so the hint
// is to run the interpreter (or the ELF program the script starts).
std::string script_hint(int fd) {
  char line[256] = {};
  const ssize_t n = ::pread(fd, line, sizeof line - 1, 0);
  std::string first(line, n > 0 ? static_cast<std::size_t>(n) : 0);
  first = first.substr(2, first.find('\n') == std::string::npos ? std::string::npos : first.find('\n') - 2);
  const auto start = first.find_first_not_of(" \t");
  first = start == std::string::npos ? "" : first.substr(start);
  const std::string interp = first.substr(0, first.find_first_of(" \t"));
  return fmt::format(
      "a script (#!{}), not an ELF program: give the ELF program it runs as PROG (e.g. `-- {} SCRIPT`), "
      "built with the flags `ariadne flags` prints",
      first, interp.empty() ? "INTERPRETER" : interp);
}

// DT_FLAGS_1 has DF_1_PIE (set by the linker for -pie and -static-pie).
bool has_pie_flag(Elf* elf) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_DYNAMIC || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    for (std::size_t i = 0; data != nullptr && i < sh.sh_size / sh.sh_entsize; ++i) {
      GElf_Dyn d;
      if (gelf_getdyn(data, static_cast<int>(i), &d) == nullptr) break;
      if (d.d_tag == DT_FLAGS_1 && (d.d_un.d_val & DF_1_PIE) != 0) return true;
    }
  }
  return false;
}

// The GNU build-id note, in hex ("" if none): what replay checks the
// program against.
std::string build_id_of(Elf* elf) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_NOTE) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    GElf_Nhdr note;
    std::size_t name_off = 0, desc_off = 0;
    for (std::size_t off = 0;
         data != nullptr && (off = gelf_getnote(data, off, &note, &name_off, &desc_off)) > 0;) {
      if (note.n_type != NT_GNU_BUILD_ID || note.n_namesz != 4 ||
          std::memcmp(static_cast<const char*>(data->d_buf) + name_off, "GNU", 4) != 0)
        continue;
      std::string hex;
      const auto* d = static_cast<const unsigned char*>(data->d_buf) + desc_off;
      for (std::size_t i = 0; i < note.n_descsz; ++i) hex += fmt::format("{:02x}", d[i]);
      return hex;
    }
  }
  return "";
}

}  // namespace

ElfIdentity identify_elf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory, not a program");
  if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");

  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) fail(path, std::strerror(errno));

  unsigned char ident[EI_NIDENT] = {};
  const ssize_t got = ::pread(f.fd, ident, sizeof ident, 0);
  if (got >= 2 && ident[0] == '#' && ident[1] == '!') fail(path, script_hint(f.fd));
  if (got < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    fail(path, "not an ELF file (no \\x7fELF magic at offset 0)");
  if (got < EI_NIDENT) fail(path, fmt::format("truncated ELF header ({} of {} bytes)", got, EI_NIDENT));

  elf_version(EV_CURRENT);
  ElfHandle e{elf_begin(f.fd, ELF_C_READ_MMAP, nullptr)};
  if (e.elf == nullptr || elf_kind(e.elf) != ELF_K_ELF)
    fail(path, fmt::format("unreadable ELF file ({})", elf_errmsg(-1)));

  GElf_Ehdr eh;
  if (gelf_getehdr(e.elf, &eh) == nullptr)
    fail(path, fmt::format("unreadable ELF header ({})", elf_errmsg(-1)));
  const std::string_view machine = arch::elf_machine_name(eh.e_machine);
  if (ident[EI_CLASS] != ELFCLASS64)
    fail(path, fmt::format("32-bit ELF ({}, e_machine {}) is not supported: Ariadne runs 64-bit "
                           "x86-64 and AArch64 programs",
                           machine, eh.e_machine));
  if (ident[EI_DATA] != ELFDATA2LSB) fail(path, fmt::format("big-endian ELF ({}) is not supported", machine));
  const auto isa = arch::from_elf_machine(eh.e_machine);
  if (!isa)
    fail(path, fmt::format("ELF machine {} (e_machine {}) is not supported: Ariadne runs x86-64 and "
                           "AArch64 programs",
                           machine, eh.e_machine));
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
    fail(path, fmt::format("ELF type {} is not an executable", eh.e_type));

  std::size_t phnum = 0;
  if (elf_getphdrnum(e.elf, &phnum) != 0)
    fail(path, fmt::format("unreadable program headers ({})", elf_errmsg(-1)));
  if (phnum == 0) fail(path, "has no program headers: a relocatable object or library, not a program");
  bool dynamic = false;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(e.elf, static_cast<int>(i), &ph) == nullptr)
      fail(path, fmt::format("program header {} unreadable ({})", i, elf_errmsg(-1)));
    if (ph.p_type == PT_INTERP) dynamic = true;
  }
  // A position-independent file without PT_INTERP is a static-pie program
  // (DF_1_PIE) or a shared library, which has nothing to run.
  if (!dynamic && eh.e_type == ET_DYN && !has_pie_flag(e.elf))
    fail(path,
         "a shared library (ET_DYN, no PT_INTERP, not a PIE), not a program: run a program that loads it");
  return ElfIdentity{*isa, dynamic, build_id_of(e.elf)};
}

std::string file_build_id(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) fail(path, std::strerror(errno));
  elf_version(EV_CURRENT);
  ElfHandle e{elf_begin(f.fd, ELF_C_READ_MMAP, nullptr)};
  if (e.elf == nullptr || elf_kind(e.elf) != ELF_K_ELF) fail(path, "not an ELF file");
  return build_id_of(e.elf);
}

}  // namespace ariadne::launch
