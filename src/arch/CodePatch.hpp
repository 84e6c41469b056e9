// What the trace runtime needs from an architecture to patch function entries:
// recognise and rewrite the compiler's NOP sled, encode a call to the
// trampoline or to a veneer, and flip sites between "prepared" and "calling"
// safely while other threads execute them (CMODX). Implemented once per
// architecture in src/arch/<arch>/CodePatch.cpp; the trampolines themselves
// are src/arch/<arch>/trampoline.S.
//
// Sled states:
//   pristine  what the compiler emitted (AArch64: nop;nop  x86-64: 5 x 0x90)
//   prepared  written once, single-threaded (AArch64: mov x9,x30; nop
//             x86-64: one 5-byte NOP). Only prepared <-> calling changes live.
//   calling   AArch64: mov x9,x30; bl T     x86-64: call T, or jmp S to the
//             site's stub S (site stubs, below)
//
// Callers make the code pages writable (RWX) around write_* / toggle_live and
// restore R-X afterwards; these functions only store and synchronise.
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" {
// src/arch/<arch>/trampoline.S. The entry trampoline is the target of every
// enabled site (directly or through a veneer); the exit trampoline is planted
// as the return address of calls that have exit handlers.
void ariadne_trace_entry_trampoline();
void ariadne_trace_exit_trampoline();
// A lone `ret`. Frame::skip() sets resume here: the entry trampoline restores
// the registers (with SP = the function-entry SP, return address still in
// x30 / on the stack) and continues at this stub, so the call returns to its
// caller without running the function.
void ariadne_trace_return_stub();
}

namespace ariadne::arch {

enum class SledState : std::uint8_t { pristine, prepared, calling, unknown };

// Bytes of a sled: 8 (AArch64) / 5 (x86-64).
std::size_t sled_size() noexcept;

// The -fpatchable-function-entry value this architecture expects (2 / 5).
unsigned sled_nops() noexcept;

// What the sled at `site` holds; for `calling`, *target receives the callee.
SledState classify(const std::byte* site, std::uintptr_t* target) noexcept;

// pristine -> prepared. Single-threaded only (no other thread may run the code).
void write_prepared(std::byte* site) noexcept;

// Can the sled at `site` call `target` directly (BL +-128 MiB / call rel32 +-2 GiB)?
bool call_reaches(std::uintptr_t site, std::uintptr_t target) noexcept;
// The furthest a direct call reaches, in bytes (for placing veneers).
std::uintptr_t call_reach() noexcept;

// A veneer: a few instructions that jump to `target` without disturbing
// anything the trampoline relies on (AArch64: clobbers only x16/x17, keeps
// x30; x86-64: clobbers nothing, keeps the return address on the stack).
// Exported for libariadne-replay.so (its vDSO trampolines).
__attribute__((visibility("default"))) std::size_t veneer_size() noexcept;
__attribute__((visibility("default"))) void write_veneer(std::byte* at, std::uintptr_t target) noexcept;

// Diverts a whole function to `target`: its first bytes become a veneer,
// after the landing pad it starts with (endbr64 / bti c, kept for its
// indirect callers). `size` is the function's length; 0 (nothing written)
// when the veneer does not fit, else the bytes changed from `entry`. The
// caller makes the page writable around it (replay diverts the vDSO's
// clock functions this way: src/replay/ClockInterposers.cpp, which is why
// libariadne-rt.so exports it).
__attribute__((visibility("default"))) std::size_t write_diversion(std::byte* entry, std::size_t size,
                                                                   std::uintptr_t target) noexcept;

// Site stubs (x86-64 only; site_stub_size() == 0 elsewhere): a few bytes
// per site, placed within direct reach of it, that the sled *jumps* to
// instead of calling the entry trampoline: `movabs $record, %r11; jmp
// target` (target: the fused path's stub entry, else
// ariadne_trace_stub_entry, or a veneer to either). With no
// call in the sled, a fused path can enter the body by a call whose return
// address is the exit trampoline, so the traced function's own `ret` is
// predicted (docs/performance.md: the mispredicted return was a sixth of a
// recorded call). false when `target` is out of the stub's reach.
std::size_t site_stub_size() noexcept;
// Where a stub jumps when no fused path has a stub entry (x86-64:
// ariadne_trace_stub_entry in trampoline.S, with r11 = the site's record and
// the caller's return address on top of the stack); 0 without site stubs.
std::uintptr_t site_stub_entry() noexcept;
bool write_site_stub(std::byte* at, std::uintptr_t record, std::uintptr_t target) noexcept;

// Library-call stubs (src/trace/LibCalls.cpp): what an instrumented
// module's GOT slot points at instead of the library function, so a call
// through the PLT looks to the trampolines like a call of an instrumented
// function. Layout (libcall_stub_size() bytes, 16-byte aligned):
//   +0  padding
//   +kLibcallStubEntry  landing pad (endbr64 / bti c): the PLT jumps here
//   +kLibcallStubSite   a prepared sled: the site, toggled like any other
//   after the sled      a veneer (write_veneer) to `target`: the body
// The sled sits in one aligned 8-byte word (x86-64 toggles it with one
// store). The stub is never on the stack: it jumps to the function.
inline constexpr std::size_t kLibcallStubEntry = 4;
inline constexpr std::size_t kLibcallStubSite = 8;
std::size_t libcall_stub_size() noexcept;
void write_libcall_stub(std::byte* at, std::uintptr_t target) noexcept;

// One site to flip: target != 0 -> calling target; target == 0 -> prepared.
// jump: the sled jumps to target (a site stub) instead of calling it.
struct Toggle {
  std::uintptr_t site;
  std::uintptr_t target;
  bool jump = false;
};

// Flips a batch of prepared/calling sites while other threads may be running
// them, with the architecture's cross-modification protocol, and makes the
// change visible to every thread before returning (AArch64: one aligned
// 32-bit store per site, cache maintenance, then membarrier SYNC_CORE where
// available; x86-64: the int3 protocol, or one aligned 8-byte store when the
// sled sits inside one 8-byte word).
void toggle_live(std::span<const Toggle> batch) noexcept;

// What toggle_live needs to survive a thread caught mid-patch (x86-64: a
// thread that hit a transient int3 continues past the sled). Called by the
// SIGTRAP handler of whoever owns SIGTRAP (the runtime's signal broker,
// src/trace/SignalBroker.hpp) with the handler's arguments: true when the
// trap was toggle_live's and the thread was moved on (the handler returns);
// false: not ours. Async-signal-safe. AArch64: never a trap of ours.
bool handle_patch_trap(siginfo_t* info, void* context) noexcept;

// For code that patches without the runtime (tests, benchmarks): a SIGTRAP
// handler of its own that calls handle_patch_trap and chains to the previous
// handler for traps that are not ours. Idempotent. AArch64: nothing to do.
void install_patch_trap_handler() noexcept;

// Where execution continues after the entry trampoline for a site when the
// function runs normally (AArch64: site + 8; x86-64: site + 5).
std::uintptr_t body_of(std::uintptr_t site) noexcept;

}  // namespace ariadne::arch
