// ariadne flags: the compiler/linker flags that make a program instrumentable,
// for CFLAGS+=$(ariadne flags --arch aarch64).
#include <fmt/format.h>

#include "arch/Isa.hpp"
#include "cli/Commands.hpp"
#include "launch/LaunchError.hpp"

namespace ariadne::cli {

void add_flags_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "flags", "Print the compiler and linker flags that instrument a program for Ariadne.");
  struct Opts {
    std::string arch;
    bool cflags = false;
    bool ldflags = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--arch", o->arch, "Target architecture: aarch64 or x86_64 (default: this host's)");
  cmd->add_flag("--cflags", o->cflags, "Only the compiler flags");
  cmd->add_flag("--ldflags", o->ldflags, "Only the linker flags");
  cmd->callback([o] {
    auto isa = o->arch.empty() ? std::optional(arch::host()) : arch::from_name(o->arch);
    if (!isa)
      throw launch::LaunchError(
          fmt::format("--arch {}: unknown architecture (expected aarch64 or x86_64)", o->arch));
    const auto f = arch::instrument_flags(*isa);
    const bool both = o->cflags == o->ldflags;
    if (both)
      fmt::print("{} {}\n", f.cflags, f.ldflags);
    else
      fmt::print("{}\n", o->cflags ? f.cflags : f.ldflags);
  });
}

}  // namespace ariadne::cli
