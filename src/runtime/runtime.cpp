// The preloaded runtime: the trace runtime (src/trace, src/patch, the arch
// trampolines) and its C++ API (include/ariadne/trace.hpp). The launcher's
// tests look up ariadne_rt_version in the target, and ARIADNE_RT_ANNOUNCE=1
// makes it say so on stderr.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "abi/AbiChecker.hpp"
#include "record/ExecEnvironment.hpp"
#include "record/Recorder.hpp"
#include "record/SitesLink.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

#define ARIADNE_RT_API extern "C" __attribute__((visibility("default")))

ARIADNE_RT_API const char ariadne_rt_version[] = ARIADNE_VERSION;
ARIADNE_RT_API const char ariadne_rt_arch[] = ARIADNE_ARCH_NAME;

namespace {

// A raw write only: this runs inside arbitrary programs, before their main.
void say(const char* s) { ariadne::sys_write_all(STDERR_FILENO, s, std::strlen(s)); }

__attribute__((constructor)) void ariadne_rt_init() {
  // Before anything can change the environment: what exec'd images inherit.
  ariadne::record::capture_exec_environment();
  const char* announce = std::getenv("ARIADNE_RT_ANNOUNCE");
  if (announce != nullptr && announce[0] == '1') {
    say("ariadne-rt " ARIADNE_VERSION " loaded (" ARIADNE_ARCH_NAME ")\n");
  }
  // Before the scan: the modules it finds are told to `ariadne record` /
  // `abicheck` when they asked (ARIADNE_SITES_LINK).
  ariadne::record::start_sites_link_from_environment();
  // Scan the modules loaded at start and prepare their sleds now, while the
  // program is still single-threaded.
  ariadne::trace::detail::ensure_initialized();
  ariadne::trace::detail::start_call_counter_from_environment();
  ariadne::abi::start_abi_checker_from_environment();
  ariadne::record::start_recorder_from_environment();
}

}  // namespace
