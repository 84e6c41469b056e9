// libariadne-replay.so: preloaded after libariadne-rt.so in a replayable run
// (`ariadne record --replayable`, `ariadne replay`). It depends on the
// runtime, whose constructor (module scan, site tables) has run by now.
#include "replay/Libraries.hpp"
#include "replay/Session.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace {
__attribute__((constructor)) void ariadne_replay_init() {
  ariadne::replay::start_from_environment();
  if (ariadne::replay::mode() == ariadne::replay::Mode::record) ariadne::replay::record_libraries();
}
}  // namespace
