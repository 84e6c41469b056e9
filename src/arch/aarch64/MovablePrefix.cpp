// AArch64: not looked for. QEMU user mode maps no vDSO, so nothing here is
// diverted; on a kernel with one, a diverted clock read in a recorded run is
// a system call (docs/replay.md, "System calls"). A prefix would have to
// leave out adr/adrp, branches, cbz/tbz and literal loads.
#include "arch/MovablePrefix.hpp"

namespace ariadne::arch {

std::size_t movable_prefix(const std::byte*, std::size_t, std::size_t) noexcept { return 0; }

}  // namespace ariadne::arch
