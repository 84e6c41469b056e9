// Ariadne trace runtime: live function patching with full register frames.
//
// Every function compiled with `ariadne flags` (-fpatchable-function-entry)
// is a *site*. A site costs nothing until it is enabled; enabled, each call
// goes through a trampoline that builds a Frame (the argument, return-value
// and callee-saved registers, SP, the site) and calls the registered
// handlers. Handlers may read and change arguments, skip the function with a
// return value of their choosing, redirect the call, and (on exit) read and
// replace the return value.
//
//   ariadne::trace::add_entry_handler(+[](const Site& s, Frame& f, void*) {
//     if (f.arg(0) == 0) f.skip(-1);            // refuse calls with a null argument
//   }, nullptr);
//   ariadne::trace::enable(ariadne::trace::by_regex("^parse_"));
//
// The library is libariadne-rt.so: preloaded by `ariadne exec` / LD_PRELOAD,
// or linked into the program. Handlers run on the traced thread, inside the
// trampoline: they must not throw and should not call traced functions
// (calls made from a handler are not traced: the runtime suspends tracing on
// the thread while a handler runs). See docs/trace.md.
#ifndef ARIADNE_TRACE_HPP
#define ARIADNE_TRACE_HPP

#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#define ARIADNE_TRACE_API __attribute__((visibility("default")))

namespace ariadne::trace {

// ---------------------------------------------------------------------------
// The register frame: one layout per architecture, built by
// src/arch/<arch>/trampoline.S (its offsets are generated from this struct at
// build time: src/asmoffsets/AsmOffsets.cpp). The same type is handed to entry and
// exit handlers; on exit the return-value registers are the live ones.
#if defined(__aarch64__)
struct alignas(16) Regs {
  std::uint64_t x[31];     // x0-x30; x[30] = the caller's return address (LR at entry, from x9)
  std::uint64_t sp;        // SP at function entry (on exit: SP after the return; equal)
  std::uint64_t pc;        // the site: the function's entry as the compiler recorded it
  std::uint64_t nzcv;      // 0 (full frames): NZCV is dead at entry and after a return (AAPCS64), not saved
  unsigned char q[8][16];  // q0-q7: floating-point / SIMD arguments and return values
  std::uint64_t d8_15[8];  // low 64 bits of v8-v15 (callee-saved; the ABI checker reads them)
  std::uint64_t fpcr;
  std::uint64_t fpsr;
  std::uint64_t resume;  // where the trampoline continues (set by skip/redirect)
  std::uint64_t flags;   // kFrameUnwound...
};
inline constexpr unsigned kIntArgRegs = 8;
inline constexpr unsigned kFpArgRegs = 8;
#elif defined(__x86_64__)
struct alignas(16) Regs {
  std::uint64_t rdi, rsi, rdx, rcx, r8, r9;  // integer arguments, in order
  std::uint64_t rax;                         // vector-register count for varargs; return value
  std::uint64_t rbx, rbp, r10, r11, r12, r13, r14, r15;
  std::uint64_t rsp;  // RSP at function entry: points at the return address
  std::uint64_t pc;   // the site: the function's entry as the compiler recorded it
  std::uint64_t
      rflags;  // 0 (full frames): the status flags are dead at entry and after a return (SysV), not saved
  unsigned char xmm[8][16];  // xmm0-xmm7: floating-point arguments and return values
  std::uint32_t mxcsr;
  std::uint16_t x87cw;
  std::uint16_t pad0;
  std::uint64_t resume;  // where the trampoline continues (set by skip/redirect)
  std::uint64_t flags;   // kFrameUnwound...
};
inline constexpr unsigned kIntArgRegs = 6;
inline constexpr unsigned kFpArgRegs = 8;
#else
#error "ariadne/trace.hpp: AArch64 or x86-64 only"
#endif

// Frame::flags: set on an exit that did not return normally (longjmp, an
// exception, an abandoned stack); the return registers are then meaningless.
inline constexpr std::uint64_t kFrameUnwound = 1;

// Arch-neutral access to a Regs. Arguments past the registers are read from
// the stack: stack_arg(i) is the i-th 8-byte slot of the caller's outgoing
// argument area.
struct ARIADNE_TRACE_API Frame : Regs {
  std::uint64_t arg(unsigned i) const noexcept;  // i < kIntArgRegs
  void set_arg(unsigned i, std::uint64_t v) noexcept;
  double fp_arg(unsigned i) const noexcept;  // i < kFpArgRegs (low 64 bits as double)
  void set_fp_arg(unsigned i, double v) noexcept;
  std::uint64_t* stack_arg(unsigned i) const noexcept;

  std::uint64_t ret() const noexcept;  // x0 / rax
  void set_ret(std::uint64_t v) noexcept;
  std::uint64_t ret2() const noexcept;  // x1 / rdx
  double fp_ret() const noexcept;       // d0 / xmm0
  void set_fp_ret(double v) noexcept;

  std::uintptr_t stack_pointer() const noexcept;  // at entry (and after return)
  std::uintptr_t site() const noexcept { return pc; }
  std::uintptr_t return_address() const noexcept;  // where the call returns to

  // Entry handlers only. skip: do not run the function; return to the caller
  // with the return registers as the handler left them (set_ret/set_fp_ret).
  void skip() noexcept;
  void skip(std::uint64_t retval) noexcept {
    set_ret(retval);
    skip();
  }
  // redirect: run `function` instead, with the (possibly changed) arguments;
  // it returns straight to the caller.
  void redirect(std::uintptr_t function) noexcept;
};

// ---------------------------------------------------------------------------
// Sites and modules. Site objects live as long as the process (also after
// their module is unloaded: `loaded` turns false), so pointers stay valid.
struct Site {
  std::uintptr_t address;  // 0 once the module is unloaded
  const char* name;        // demangled ("ns::f(int)"), or "" when no symbol covers it
  const char* mangled;     // symbol as in the ELF file ("_ZN2ns1fEi"), or ""
  const char* module;      // path of the module
  std::uint32_t id;        // dense, stable: 0..site_count()-1
  bool loaded;
};

// A selection of sites. Name: exact match on the demangled name, the name
// without its parameter list ("ns::f"), or the mangled name. Regex: POSIX
// extended, searched in the demangled name. Address: the site itself or any
// address inside the function's symbol.
struct Selector {
  enum class Kind : std::uint8_t { all, name, regex, address, module_regex } kind;
  const char* text;
  std::uintptr_t address;
};
inline Selector all() noexcept { return {Selector::Kind::all, nullptr, 0}; }
inline Selector by_name(const char* n) noexcept { return {Selector::Kind::name, n, 0}; }
inline Selector by_regex(const char* re) noexcept { return {Selector::Kind::regex, re, 0}; }
inline Selector by_address(std::uintptr_t a) noexcept { return {Selector::Kind::address, nullptr, a}; }
inline Selector by_module(const char* re) noexcept { return {Selector::Kind::module_regex, re, 0}; }

using EntryHandler = void (*)(const Site& site, Frame& frame, void* user);
using ExitHandler = void (*)(const Site& site, Frame& frame, void* user);

// What a handler needs of the Frame (add_*_handler's `flags`).
//   kHandlerFullFrame (the default): every register of the Regs, as above.
//   kHandlerLean: only the site (pc), stack_pointer(), return_address(),
//     flags, resume (skip/redirect) and the argument registers (entry:
//     arg, fp_arg, stack_arg and set_* of them) or the return-value
//     registers (exit: ret, ret2, fp_ret and set_*). The callee-saved
//     registers, the FP control state (mxcsr/x87cw, fpcr, d8-d15) and the
//     scratch registers are then unspecified in the frame, and changing them
//     has no effect. While every registered handler is lean the trampolines
//     save and restore only what the call needs: tracers that record calls
//     (`ariadne record`) should be lean. A full-frame handler registered
//     while lean handlers trace sees full frames from the calls that start
//     after add_*_handler returns.
inline constexpr unsigned kHandlerFullFrame = 0;
inline constexpr unsigned kHandlerLean = 1;

extern "C++" {
// Handlers run for every enabled site, in registration order. Returns an id
// for remove_handler, or -1 when the table (16 of each) is full.
ARIADNE_TRACE_API int add_entry_handler(EntryHandler h, void* user) noexcept;  // full frame
ARIADNE_TRACE_API int add_exit_handler(ExitHandler h, void* user) noexcept;    // full frame
ARIADNE_TRACE_API int add_entry_handler(EntryHandler h, void* user, unsigned flags) noexcept;
ARIADNE_TRACE_API int add_exit_handler(ExitHandler h, void* user, unsigned flags) noexcept;
ARIADNE_TRACE_API void remove_handler(int id) noexcept;

// Enable / disable the selected sites as one batch, from any thread, while
// other threads run them. Returns the number of sites whose state changed,
// or -1 with error() describing a bad selector (an invalid regex).
ARIADNE_TRACE_API long enable(Selector s) noexcept;
ARIADNE_TRACE_API long disable(Selector s) noexcept;
ARIADNE_TRACE_API bool is_enabled(const Site& s) noexcept;

ARIADNE_TRACE_API std::size_t site_count() noexcept;
ARIADNE_TRACE_API const Site* site(std::size_t id) noexcept;  // nullptr past the end
ARIADNE_TRACE_API const Site* find_site(std::uintptr_t address) noexcept;
// Calls fn for each loaded site matching s.
ARIADNE_TRACE_API long for_each_site(Selector s, void (*fn)(const Site&, void*), void* user) noexcept;

// Per-call scratch for handlers: kCallDataSize bytes that belong to the
// current call from its entry handlers to its exit handlers (the ABI checker
// keeps the entry registers there). Valid only inside a handler, and only
// for calls that get a return hook (an exit handler is registered); nullptr
// otherwise. Not cleared at entry (that would cost every hooked call): write
// before you read. One area per call, shared by all handlers.
inline constexpr std::size_t kCallDataSize = 192;
ARIADNE_TRACE_API void* call_data() noexcept;

// Function-entry ticks of the calling thread: one per traced entry
// (enabled sites only) and one per count_tick(). Record/replay counts these.
ARIADNE_TRACE_API std::uint64_t thread_ticks() noexcept;
// Counts one tick for the calling thread, as an instrumented entry does, and
// returns its tick count: the compiler-inserted ticks of `ariadne flags
// --replayable` (libariadne-replay.so's __sanitizer_cov_trace_pc).
ARIADNE_TRACE_API std::uint64_t count_tick() noexcept;

// Tick handlers (replay's clock). h is registered as a lean entry handler
// that matters only at the entries bringing the calling thread's ticks to
// its budget (set_tick_budget) or past it; while h is the only handler, the
// other entries are counted by the architecture's tick path in a few
// instructions and h is not called for them. h still runs at every entry of
// a thread with no budget, and at entries the tick path leaves to the
// generic one, so it checks the budget itself. Returns the handler id (for
// remove_handler), or -1.
ARIADNE_TRACE_API int add_tick_handler(EntryHandler h, void* user) noexcept;
// The calling thread's budget, read at each of its entries (whoever changes
// it, whenever); nullptr: none. The pointee must outlive the thread.
ARIADNE_TRACE_API void set_tick_budget(const std::uint64_t* budget) noexcept;
// The site of the calling thread's last counted entry; 0 before the first.
ARIADNE_TRACE_API std::uintptr_t last_entry_site() noexcept;

// Machine stacks. The tracer finds the stack a call runs on by the memory
// mapping its SP lies in; a coroutine or fiber library whose stacks are
// carved from one allocation (a pool) registers each stack [lo, hi) before
// running code on it, and unregisters it (by lo) before the memory is
// reused for anything else, so each stack's calls are paired apart. A
// stack registered again with the same bounds starts afresh. Unmapping a
// stack's memory (munmap) retires it too. Both return false when the
// runtime is not loaded (they are weak: a program calls them whether or
// not it runs under Ariadne) or refuses (lo >= hi; unregister: no stack
// registered at lo).
inline bool register_stack(const void* lo, const void* hi) noexcept;
inline bool unregister_stack(const void* lo) noexcept;

// True while the runtime itself works on the calling thread (a handler
// runs, a module loaded by dlopen is scanned): calls made then are the
// runtime's, not the program's (replay does not log them).
ARIADNE_TRACE_API bool runtime_busy() noexcept;

// Hands the calling thread back to the program from inside a handler, until
// end_program_code(saved): the program code it runs meanwhile (replay
// delivering a signal at a tick point, so that the program's handler runs)
// is traced, counted and handled as the program's, as if no handler ran.
// call_data() is not the handler's call's any more afterwards.
ARIADNE_TRACE_API bool begin_program_code() noexcept;
ARIADNE_TRACE_API void end_program_code(bool saved) noexcept;

// Asked by the runtime's signal handler before the program's handler for
// `sig` runs: true means not now -- the handler is not run, and the caller
// sends the signal again when it suits it (replay, for a signal that
// interrupts a call the thread waits in). nullptr: none.
using SignalDeferral = bool (*)(int sig);
ARIADNE_TRACE_API void set_signal_deferral(SignalDeferral deferral) noexcept;

// Asked first when the runtime's SIGTRAP handler runs (the runtime owns
// SIGTRAP): true means the trap was the caller's own (replay's diverted
// instructions on x86-64) and is handled. Runs in the signal handler.
using TrapHandler = bool (*)(siginfo_t* info, void* context);
ARIADNE_TRACE_API void set_trap_handler(TrapHandler handler) noexcept;

// Executable code of instrumented modules (their SHF_EXECINSTR sections):
// `observer` is called at once for every section of the modules loaded now,
// then for those of every module loaded later (dlopen), under the tracer's
// lock, before the module's code runs. One observer. False if one is set.
using CodeObserver = void (*)(const char* module, std::uintptr_t start, std::uintptr_t end);
ARIADNE_TRACE_API bool set_code_observer(CodeObserver observer) noexcept;
// Room for `size` bytes of code that a direct branch anywhere in the module
// holding `address` reaches, written by `write(at, ctx)` while writable, then
// read-execute; for a CodeObserver only (under the tracer's lock). 0 if
// none could be had.
using CodePlacer = bool (*)(std::byte* at, void* ctx);
ARIADNE_TRACE_API std::uintptr_t place_code_near(std::uintptr_t address, std::size_t size, CodePlacer write,
                                                 void* ctx) noexcept;

// The last error (bad regex...), or "" — per thread.
ARIADNE_TRACE_API const char* error() noexcept;
// Diagnostics about modules that cannot be traced ("libfoo.so: built without
// -fpatchable-function-entry"), one per line.
ARIADNE_TRACE_API const char* diagnostics() noexcept;
}

}  // namespace ariadne::trace

extern "C" {
ARIADNE_TRACE_API int ariadne_trace_register_stack(const void* lo, const void* hi) noexcept
    __attribute__((weak));
ARIADNE_TRACE_API int ariadne_trace_unregister_stack(const void* lo) noexcept __attribute__((weak));
}

inline bool ariadne::trace::register_stack(const void* lo, const void* hi) noexcept {
  return ariadne_trace_register_stack != nullptr && ariadne_trace_register_stack(lo, hi) == 0;
}
inline bool ariadne::trace::unregister_stack(const void* lo) noexcept {
  return ariadne_trace_unregister_stack != nullptr && ariadne_trace_unregister_stack(lo) == 0;
}

#endif
