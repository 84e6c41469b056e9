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
#include "trace/Tracer.hpp"

#define ARIADNE_RT_API extern "C" __attribute__((visibility("default")))

ARIADNE_RT_API const char ariadne_rt_version[] = ARIADNE_VERSION;
ARIADNE_RT_API const char ariadne_rt_arch[] = ARIADNE_ARCH_NAME;

namespace {

// write(2) only: this runs inside arbitrary programs, before their main.
void say(const char* s) {
  const std::size_t n = std::strlen(s);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(STDERR_FILENO, s + done, n - done);
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}

__attribute__((constructor)) void ariadne_rt_init() {
  // Before anything can change the environment: what exec'd images inherit.
  ariadne::record::capture_exec_environment();
  const char* announce = std::getenv("ARIADNE_RT_ANNOUNCE");
  if (announce != nullptr && announce[0] == '1') {
    say("ariadne-rt " ARIADNE_VERSION " loaded (" ARIADNE_ARCH_NAME ")\n");
  }
  // Scan the modules loaded at start and prepare their sleds now, while the
  // program is still single-threaded.
  ariadne::trace::detail::ensure_initialized();
  ariadne::trace::detail::start_call_counter_from_environment();
  ariadne::abi::start_abi_checker_from_environment();
  ariadne::record::start_recorder_from_environment();
}

}  // namespace
