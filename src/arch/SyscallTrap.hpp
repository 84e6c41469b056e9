// Trapping the program's own system calls in a replayable run
// (docs/replay.md, "System calls"): those libc and the program make without
// passing an exported function replay interposes (stdio's writes, opendir's
// getdents64, malloc's mmap and brk, a raw `syscall` instruction).
//
// x86-64: Syscall User Dispatch. Each thread of the program turns it on for
// itself (it is not inherited by clone); a syscall instruction outside the
// runtime's exempt stubs (raw_syscall.S) then raises SIGSYS while the
// thread's selector says "block", and the handler hands the call to
// `TrappedSyscall` and puts its result where the kernel would have.
// AArch64: every `svc #0` of the program's modules rewritten into a branch
// to a stub of its own (aarch64/SyscallTrap.cpp), which calls the same
// TrappedSyscall. There, clone and clone3 reach the handler too: it can make
// a fork-like one itself (the child returns through it with 0), never one
// whose child gets a new stack or shares the memory, which it refuses.
#pragma once

#include <cstdint>

namespace ariadne::arch {

// Given the number and the six argument registers, returns what the kernel
// would have (-errno on failure). Runs on the trapping thread, inside the
// trapped call's place: errno is saved and put back around it.
using TrappedSyscall = long (*)(long nr, const long args[6]) noexcept;

// Once per process, before any thread starts trapping. False where this
// architecture or kernel cannot trap (then nothing is changed).
bool install_syscall_trap(TrappedSyscall handler) noexcept;
// Trap the calling thread's system calls from now on.
bool start_syscall_trap() noexcept;
// The calling thread's system calls go to the kernel untrapped from now on
// (its program code has ended: a thread's exit, the process's exit).
void stop_syscall_trap() noexcept;
// Whether the calling thread's calls are trapped (started, not stopped).
bool syscall_trap_started() noexcept;
// While paused, the calling thread's calls go to the kernel: the real
// function of a call replay already intercepted at the libc boundary.
// Returns whether it was paused before (pauses nest by saving that).
bool pause_syscall_trap(bool paused) noexcept;
// Code whose system calls are never the program's: made by the handler
// directly (the dynamic loader's own calls, the tracer's raw stub). At most
// kMaxExemptCode ranges, added before trapping starts.
inline constexpr int kMaxExemptCode = 4;
bool exempt_code(std::uintptr_t begin, std::uintptr_t end) noexcept;
// The signal a trapped call raises (x86-64: SIGSYS, once installed), which
// the program must not take over; 0 where trapping needs none (AArch64).
int syscall_trap_signal() noexcept;
// Calls trapped so far, all threads (for the closing line and tests).
std::uint64_t trapped_syscalls() noexcept;

}  // namespace ariadne::arch
