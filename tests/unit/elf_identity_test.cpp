#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "launch/ElfIdentity.hpp"
#include "launch/LaunchError.hpp"

using ariadne::arch::Isa;
using ariadne::launch::identify_elf;
using ariadne::launch::LaunchError;

namespace {

class TempFile {
 public:
  explicit TempFile(const std::vector<unsigned char>& bytes) {
    char tmpl[] = "/tmp/ariadne-elf-XXXXXX";
    const int fd = mkstemp(tmpl);
    path_ = tmpl;
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A header-only 64-bit ELF with one PT_INTERP program header (when asked).
std::vector<unsigned char> elf64(std::uint16_t machine, bool with_interp, std::uint16_t type = ET_DYN) {
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = type;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  Elf64_Phdr ph{};
  ph.p_type = with_interp ? PT_INTERP : PT_LOAD;
  std::vector<unsigned char> out(sizeof eh + sizeof ph);
  std::memcpy(out.data(), &eh, sizeof eh);
  std::memcpy(out.data() + sizeof eh, &ph, sizeof ph);
  return out;
}

std::vector<unsigned char> elf32_i386() {
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_386;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  std::vector<unsigned char> out(sizeof eh);
  std::memcpy(out.data(), &eh, sizeof eh);
  return out;
}

std::string error_of(const std::string& path) {
  try {
    identify_elf(path);
  } catch (const LaunchError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ElfIdentity, AArch64AndX86Programs) {
  TempFile a(elf64(EM_AARCH64, true));
  TempFile x(elf64(EM_X86_64, true, ET_EXEC));
  EXPECT_EQ(identify_elf(a.path()).isa, Isa::aarch64);
  EXPECT_TRUE(identify_elf(a.path()).dynamic);
  EXPECT_EQ(identify_elf(x.path()).isa, Isa::x86_64);
}

TEST(ElfIdentity, StaticProgramIsNotDynamic) {
  TempFile s(elf64(EM_X86_64, false, ET_EXEC));
  EXPECT_FALSE(identify_elf(s.path()).dynamic);
}

TEST(ElfIdentity, OwnBinaryIsRecognised) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  EXPECT_EQ(identify_elf(self).isa, ariadne::arch::host());
}

TEST(ElfIdentity, ErrorsNameFileAndReason) {
  TempFile text({'r', 'o', 'o', 't', ':', 'x', '\n'});
  EXPECT_EQ(error_of(text.path()), text.path() + ": not an ELF file (no \\x7fELF magic at offset 0)");

  TempFile i386(elf32_i386());
  EXPECT_NE(error_of(i386.path()).find(i386.path() + ": 32-bit ELF (i386"), std::string::npos);

  TempFile riscv(elf64(EM_RISCV, true));
  EXPECT_NE(error_of(riscv.path()).find("ELF machine RISC-V (e_machine 243) is not supported"),
            std::string::npos);

  TempFile rel(elf64(EM_X86_64, false, ET_REL));
  EXPECT_NE(error_of(rel.path()).find("not an executable"), std::string::npos);

  EXPECT_EQ(error_of("/nonexistent/ariadne"), "/nonexistent/ariadne: No such file or directory");
  EXPECT_EQ(error_of("/"), "/: is a directory, not a program");
}

TEST(ElfIdentity, TruncatedHeader) {
  auto bytes = elf64(EM_AARCH64, true);
  bytes.resize(10);
  TempFile t(bytes);
  EXPECT_NE(error_of(t.path()).find("truncated ELF header (10 of 16 bytes)"), std::string::npos);
  bytes = elf64(EM_AARCH64, true);
  bytes.resize(40);  // ident complete, header cut short
  TempFile t2(bytes);
  EXPECT_NE(error_of(t2.path()).find(t2.path() + ": unreadable ELF"), std::string::npos);
}

// Issue 16 finding 11: a shared library was "statically linked", a script
// "not an ELF file" with no hint.
TEST(ElfIdentity, SharedLibraryIsNotAProgram) {
  TempFile lib(elf64(EM_X86_64, false, ET_DYN));
  EXPECT_NE(error_of(lib.path()).find(lib.path() + ": a shared library (ET_DYN, no PT_INTERP, not a PIE)"),
            std::string::npos)
      << error_of(lib.path());
}

TEST(ElfIdentity, ScriptGetsAHint) {
  const std::string text = "#! /bin/sh -e\necho hi\n";
  TempFile script(std::vector<unsigned char>(text.begin(), text.end()));
  EXPECT_EQ(
      error_of(script.path()),
      script.path() +
          ": a script (#!/bin/sh -e), not an ELF program: give the ELF program it runs as PROG (e.g. `-- "
          "/bin/sh SCRIPT`), built with the flags `ariadne flags` prints");
}
