// ariadne flags: the compiler/linker flags that make a program instrumentable,
// for CFLAGS+=$(ariadne flags --arch aarch64).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "arch/Isa.hpp"
#include "cli/Commands.hpp"
#include "cli/Replayable.hpp"
#include "launch/LaunchError.hpp"
#include "launch/RuntimeLocator.hpp"

namespace ariadne::cli {

namespace {

// --replayable's linker flags: libariadne-cov.so from the runtime's directory
// for `isa` (as `ariadne exec` finds libariadne-rt.so), kept when the linker
// drops unneeded libraries (--as-needed: these flags come before the objects).
std::string cov_ldflags(arch::Isa isa) {
  const std::string dir =
      std::filesystem::path(launch::RuntimeLocator().find(isa, "ariadne flags")).parent_path();
  const std::string lib = dir + "/" + kCovLibrary;
  if (::access(lib.c_str(), R_OK) != 0)
    throw launch::LaunchError(fmt::format("{}: not found (is the build complete?)", lib));
  return fmt::format("-L{0} -Wl,-rpath,{0} -Wl,--push-state,--no-as-needed -lariadne-cov -Wl,--pop-state",
                     dir);
}

}  // namespace

void add_flags_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "flags", "Print the compiler and linker flags that instrument a program for Ariadne.");
  struct Opts {
    std::string arch;
    bool cflags = false;
    bool ldflags = false;
    bool replayable = false;
    bool debug = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--arch", o->arch, "Target architecture: aarch64 or x86_64 (default: this host's)");
  cmd->add_flag("--cflags", o->cflags, "Only the compiler flags");
  cmd->add_flag("--ldflags", o->ldflags, "Only the linker flags");
  cmd->add_flag("--replayable", o->replayable,
                "Also the flags for `ariadne record --replayable` of programs that wait in loops with no "
                "calls (while (!flag) {}): a tick at every basic block (-fsanitize-coverage=trace-pc), so "
                "that such a loop lets the other threads run; libariadne-cov.so is linked, so the program "
                "runs without Ariadne too. Costs a call per basic block (docs/replay.md, \"Loops with no "
                "calls\")");
  cmd->add_flag("--debug", o->debug,
                "Also -g: DWARF for `record -a` (arguments by name and type) and `show --srcline`");
  cmd->callback([o] {
    auto isa = o->arch.empty() ? std::optional(arch::host()) : arch::from_name(o->arch);
    if (!isa)
      throw launch::LaunchError(
          fmt::format("--arch {}: unknown architecture (expected aarch64 or x86_64)", o->arch));
    const auto f = arch::instrument_flags(*isa);
    const bool both = o->cflags == o->ldflags;
    std::string cflags(f.cflags), ldflags(f.ldflags);
    if (o->debug) cflags += " -g";
    if (o->replayable) {
      cflags += fmt::format(" {}", f.replayable_cflags);
      if (both || o->ldflags) ldflags += " " + cov_ldflags(*isa);
    }
    if (both)
      fmt::print("{} {}\n", cflags, ldflags);
    else
      fmt::print("{}\n", o->cflags ? cflags : ldflags);
  });
}

}  // namespace ariadne::cli
