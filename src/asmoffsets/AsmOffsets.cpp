// asm-offsets: prints the header the assembly includes (asm-offsets.h), the
// byte offsets and constants of every C++ struct that code in .S files
// touches, computed by the compiler that builds the runtime (Linux's
// asm-offsets, done by running a program instead of parsing compiler
// output: the AArch64 build runs it under qemu-aarch64, as it runs the
// tests). Nothing is kept by hand: a field moved in a struct moves in the
// assembly at the next build.
#include <cstddef>
#include <cstdio>

#include "arch/AsmLayout.hpp"
#include "arch/preempt_torture.h"
#include "ariadne/trace.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/SiteTable.hpp"
#include "tracefile/Format.hpp"

namespace {

namespace t = ariadne::trace;
namespace td = ariadne::trace::detail;
namespace rec = ariadne::record;
namespace tf = ariadne::tracefile;
namespace arch = ariadne::arch;

void define(const char* name, unsigned long long value) { std::printf("#define %s %llu\n", name, value); }
void define_hex(const char* name, unsigned long long value) {
  std::printf("#define %s 0x%llx\n", name, value);
}
void block(const char* comment) { std::printf("\n/* %s */\n", comment); }

constexpr unsigned log2_exact(std::size_t n) {
  unsigned s = 0;
  while ((std::size_t{1} << s) < n) ++s;
  return s;
}

void trace_core() {
  block("ThreadState (trace/Handlers.hpp): thread-local symbol ariadne_trace_thread_state");
  define("TS_TICKS", offsetof(td::ThreadState, ticks));
  define("TS_TICK_BUDGET", offsetof(td::ThreadState, tick_budget));
  define("TS_LAST_ENTRY", offsetof(td::ThreadState, last_entry));
  define("TS_IN_HANDLER", offsetof(td::ThreadState, in_handler));
  define("TS_STACK_LO", offsetof(td::ThreadState, stack_lo));
  define("TS_STACK_HI", offsetof(td::ThreadState, stack_hi));
  define("TS_STACK", offsetof(td::ThreadState, stack));
  define("TS_FUSED_DATA", offsetof(td::ThreadState, fused_data));

  block("ShadowStack / ShadowEntry (trace/ReturnHooks.hpp); entries are 1 << SE_SHIFT bytes");
  static_assert(sizeof(td::ShadowEntry) == (std::size_t{1} << log2_exact(sizeof(td::ShadowEntry))),
                "the fused paths index shadow entries by shifting");
  define("SS_TOP", offsetof(td::ShadowStack, top));
  define("SS_CAPACITY", offsetof(td::ShadowStack, capacity));
  define("SS_ENTRIES", offsetof(td::ShadowStack, entries));
  define("SE_SHIFT", log2_exact(sizeof(td::ShadowEntry)));
  define("SE_KEY", offsetof(td::ShadowEntry, key));
  define("SE_ORIGINAL", offsetof(td::ShadowEntry, original));
  define("SE_SLOT", offsetof(td::ShadowEntry, slot));
  define("SE_RECORD", offsetof(td::ShadowEntry, record));
  define("SE_SITE_ID", offsetof(td::ShadowEntry, site_id));
  define("SE_FLAGS", offsetof(td::ShadowEntry, flags));
  define("SE_FLAG_BALANCED", td::kBalanced);

  block(
      "SiteTable (symbol ariadne_trace_site_table): its index pointer; SiteIndex and its slots; SiteRecord");
  static_assert(sizeof(td::SiteIndex::Slot) == 16, "the fused paths index slots by shifting by 4");
  static_assert(sizeof(std::atomic<bool>) == 1, "the fused paths read SiteRecord::enabled as a byte");
  define("ST_INDEX", td::SiteTable::index_offset());
  define("SI_SHIFT", offsetof(td::SiteIndex, shift));
  define("SI_MASK", offsetof(td::SiteIndex, mask));
  define("SI_SLOTS", offsetof(td::SiteIndex, slots));
  define("SI_SLOT_PC", offsetof(td::SiteIndex::Slot, pc));
  define("SI_SLOT_RECORD", offsetof(td::SiteIndex::Slot, record));
  define_hex("SI_HASH", td::SiteIndex::kHash);
  define("SR_ADDRESS", offsetof(td::SiteRecord, site) + offsetof(t::Site, address));
  define("SR_SITE_ID", offsetof(td::SiteRecord, site) + offsetof(t::Site, id));
  define("SR_ENABLED", offsetof(td::SiteRecord, enabled));
}

void recorder() {
  block("ThreadLog (record/ThreadLog.hpp), reached through ThreadState::fused_data");
  define("TL_POS", offsetof(rec::ThreadLog, pos));
  define("TL_LIMIT", offsetof(rec::ThreadLog, limit));
  define("TL_LAST", offsetof(rec::ThreadLog, last));
  define("TL_OPEN", offsetof(rec::ThreadLog, open));

  block("Events (tracefile/Format.hpp) and the room the handlers ask for each");
  define("EV_ENTRY", static_cast<unsigned>(tf::Event::entry));
  define("EV_EXIT", static_cast<unsigned>(tf::Event::exit));
  define("EV_ENTRY_ROOM", 1 + 2 * tf::kMaxVarint);  // tag + site + delta
  define("EV_EXIT_ROOM", 1 + tf::kMaxVarint);       // tag + delta
}

void frames() {
  block("Regs (include/ariadne/trace.hpp), the register frame the trampolines build");
  for (const auto& f : arch::kRegsFields) define(f.name, f.offset);
  define("REGS_SIZE", sizeof(t::Regs));
  static_assert(sizeof(t::Frame) == sizeof(t::Regs),
                "Frame adds accessors only; the trampolines build a Regs");
  static_assert(alignof(t::Frame) == 16, "the trampolines keep the frame 16-byte aligned");

  block("SwitchFrame (arch/<arch>/AsmLayout.hpp), the frame the context switch pushes");
  for (const auto& f : arch::kSwitchFrameFields) define(f.name, f.offset);
  define("SF_SIZE", sizeof(arch::SwitchFrame));

  block("NondetFrame (arch/<arch>/AsmLayout.hpp), replay's frame around a diverted instruction");
  for (const auto& f : arch::kNondetFrameFields) define(f.name, f.offset);

  block("PreemptFrame (arch/<arch>/PreemptFrame.hpp), the frame of a fiber preempted at an entry");
  for (const auto& f : arch::kPreemptFrameFields) define(f.name, f.offset);
  define("PF_SIZE", sizeof(arch::PreemptFrame));

  block("ariadne_preempt_torture (arch/preempt_torture.h), the torture loop's state");
  define("PT_SEED", offsetof(ariadne_preempt_torture, seed));
  define("PT_STOP", offsetof(ariadne_preempt_torture, stop));
  define("PT_ROUNDS", offsetof(ariadne_preempt_torture, rounds));
  define("PT_MISMATCHES", offsetof(ariadne_preempt_torture, mismatches));
  define("PT_FIRST_BAD", offsetof(ariadne_preempt_torture, first_bad));
  define("PT_HAS_AVX", offsetof(ariadne_preempt_torture, has_avx));
  define("PT_EXPECTED_BAD", offsetof(ariadne_preempt_torture, expected_bad));
  define("PT_SEEN_BAD", offsetof(ariadne_preempt_torture, seen_bad));

  block("Indexed fields");
  for (const char* line : arch::kAsmMacros) std::printf("%s\n", line);
}

}  // namespace

// asm-offsets OUT: writes the header to OUT.
int main(int argc, char** argv) {
  if (argc != 2 || std::freopen(argv[1], "w", stdout) == nullptr) {
    std::fprintf(stderr, "usage: ariadne_asm_offsets OUT (cannot write it)\n");
    return 2;
  }
  std::printf(
      "/* Generated at build time by src/asmoffsets/AsmOffsets.cpp from the C++ structs:\n"
      " * do not edit. Included by the assembly (src/arch/<arch>/*.S). */\n"
      "#ifndef ARIADNE_ASM_OFFSETS_H\n#define ARIADNE_ASM_OFFSETS_H\n");
  trace_core();
  recorder();
  frames();
  std::printf("\n#endif\n");
  return std::fflush(stdout) == 0 ? 0 : 1;
}
