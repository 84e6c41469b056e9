// Instructions whose result differs between two runs of the same program:
// the time-stamp counters, the CPU's identity and cache geometry, hardware
// randomness (docs/replay.md, "Nondeterministic instructions"). Replay finds
// them in the code of instrumented modules when a module is loaded and
// diverts each to the runtime, which logs the result when recording and
// gives the logged one back when replaying.
//
// AArch64: every such instruction is an `mrs` of a system register, 4 bytes:
// it becomes a branch to a stub of its own (a copy of nondet_stub.S's
// template), which runs the instruction, saves every register and calls
// ariadne_nondet_arrived(frame, index). x86-64: rdtsc (2 bytes), cpuid,
// rdrand... are too short for a 5-byte jump; the first byte becomes int3 and
// the runtime's SIGTRAP handler calls nondet_trap().
//
// The per-architecture half of replay's NondetInsns.cpp; not thread-safe:
// the caller holds the tracer's lock (a trace::CodeObserver).
#pragma once

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ariadne::arch {

struct NondetSite {
  std::uintptr_t address = 0;
  std::uint32_t insn = 0;   // AArch64: the instruction word
  std::uint8_t length = 0;  // bytes
  std::uint8_t kind = 0;    // per architecture: which instruction
  std::uint8_t reg = 0;     // destination register, where the instruction names one
  std::uint8_t size = 0;    // x86-64: the destination's operand size in bytes
  const char* name = "";    // "mrs cntvct_el0", "rdtsc"
  // False: an instruction replay cannot serve yet (AArch64 SVE first-fault
  // and non-fault loads, whose FFR result is not logged): the run is refused.
  bool replayable = true;
};

// What a diverted instruction wrote: AArch64 {value, NZCV}; x86-64 {rax,
// rbx, rcx, rdx, CF} as the instruction left them. Logged as is.
struct NondetValue {
  std::uint64_t word[5] = {};
};

// The nondeterministic instructions in [start, end), a module's code
// section, appended to `out` (AArch64: each aligned word; x86-64: a linear
// sweep with capstone that resynchronises after undecodable bytes).
void find_nondet(std::uintptr_t start, std::uintptr_t end, std::vector<NondetSite>& out);

// Room for code near a site (trace::place_code_near); 0 if none.
using NondetPlacer = std::uintptr_t (*)(std::uintptr_t near, std::size_t size,
                                        bool (*write)(std::byte*, void*), void* ctx);

// What diverts the instruction at `site` to the runtime as site number
// `index`: the bytes to write over its first bytes (AArch64: `b stub`, the
// stub placed and written here; x86-64: int3). The caller writes them.
// False with *error set if it cannot.
struct NondetPatch {
  unsigned char bytes[4] = {};
  std::size_t length = 0;
};
bool nondet_patch(const NondetSite& site, std::uint64_t index, NondetPlacer place, NondetPatch* patch,
                  std::string* error);

// In the runtime, once a diverted instruction arrives: `context` is the
// AArch64 stub's NondetFrame or the x86-64 signal's ucontext_t.
// record: what the instruction produced (AArch64: the stub ran it already;
// x86-64: executed here with the inputs it had);
void nondet_result(const NondetSite& site, const void* context, NondetValue* out) noexcept;
// both: makes `value` the instruction's result and, on x86-64, resumes
// after the instruction.
void nondet_deliver(const NondetSite& site, void* context, const NondetValue& value) noexcept;

// x86-64: the address of the diverted instruction a SIGTRAP stopped at, or
// 0 if the trap is no int3 of ours (AArch64: always 0).
std::uintptr_t nondet_trap_site(const siginfo_t* info, const void* context) noexcept;

}  // namespace ariadne::arch

// AArch64: called by the common stub (nondet_stub.S) with the saved frame
// and the site's index; defined by replay.
extern "C" void ariadne_nondet_arrived(void* frame, std::uint64_t index);
