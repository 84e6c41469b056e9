// System calls by number: libc's syscall(2) and the program's trapped calls
// (SyscallRouting.cpp; arch/SyscallTrap.hpp traps them).
#pragma once

#include <cstdint>

#include "replay/Session.hpp"

namespace ariadne::replay {

// As the program's call would go: to replay's interposer, emulated, refused
// or made and compared. libc's way: -1 and errno on failure.
long route_syscall(ReplayThread* me, long nr, const long args[6]) noexcept;
// The trap's handler (arch::TrappedSyscall): the kernel's way, -errno.
long trapped_syscall(long nr, const long args[6]) noexcept;
// The calling (main) thread's calls trapped from now on, where the
// architecture can; false where it cannot (the libc boundary stays).
bool start_trapping_syscalls() noexcept;
// A program that sets an action for the signal the system-call trap raises
// (arch::syscall_trap_signal) stops the recording with one line: the trap
// would be gone, or would kill it.
void refuse_trap_signal(int sig) noexcept;
// The program's own futex calls (SignalInterposers.cpp).
long program_futex(ReplayThread* me, std::uint32_t* addr, int op, std::uint32_t val, std::uint64_t arg4,
                   std::uint32_t* addr2, std::uint32_t val3) noexcept;

}  // namespace ariadne::replay
