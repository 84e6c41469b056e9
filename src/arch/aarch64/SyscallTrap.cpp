// AArch64 half of arch/SyscallTrap.hpp: not built yet (every `svc #0`
// rewritten into a branch to the handler). Until then replay intercepts at
// the libc boundary only on AArch64 (docs/replay.md, "System calls").
#include "arch/SyscallTrap.hpp"

namespace ariadne::arch {

bool install_syscall_trap(TrappedSyscall) noexcept { return false; }
bool start_syscall_trap() noexcept { return false; }
void stop_syscall_trap() noexcept {}
bool syscall_trap_started() noexcept { return false; }
bool pause_syscall_trap(bool) noexcept { return false; }
bool exempt_code(std::uintptr_t, std::uintptr_t) noexcept { return false; }
std::uint64_t trapped_syscalls() noexcept { return 0; }

}  // namespace ariadne::arch
