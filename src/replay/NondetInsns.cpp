// Instructions that read time, identity and randomness (docs/replay.md,
// "Nondeterministic instructions"): found in every instrumented module's
// code when the module is loaded (trace::set_code_observer), diverted to
// the runtime (arch/NondetInsn.hpp), and served here like an intercepted
// call: recording runs the instruction and logs what it produced, replay
// hands back the logged result. The site's address is in the call's digest,
// so a replay that reaches another instruction than the recording did is
// reported diverged there.
#include <sys/auxv.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "arch/NondetInsn.hpp"
#include "arch/RawSyscall.hpp"
#include "ariadne/trace.hpp"
#include "replay/Baton.hpp"
#include "replay/Interposer.hpp"
#include "replay/Session.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {
namespace {

// Written under the tracer's lock, before the module's code runs; read by
// any thread that reaches a diverted site. Never moved or freed.
constexpr std::size_t kMaxSites = 1u << 16;
arch::NondetSite g_sites[kMaxSites];
std::atomic<std::size_t> g_site_count{0};

// x86-64 traps arrive by address: open addressing over the site indexes.
constexpr std::size_t kSlots = kMaxSites * 2;
std::atomic<std::uintptr_t> g_slot_address[kSlots];
std::uint32_t g_slot_index[kSlots];

std::size_t home(std::uintptr_t address) { return (address * 0x9e3779b97f4a7c15ull) >> 47; }  // 17 bits

void index_site(std::uintptr_t address, std::uint32_t index) {
  for (std::size_t i = home(address);; i = (i + 1) % kSlots) {
    if (g_slot_address[i].load(std::memory_order_relaxed) != 0) continue;
    g_slot_index[i] = index;
    g_slot_address[i].store(address, std::memory_order_release);
    return;
  }
}

long find_site(std::uintptr_t address) {
  for (std::size_t i = home(address);; i = (i + 1) % kSlots) {
    const std::uintptr_t a = g_slot_address[i].load(std::memory_order_acquire);
    if (a == address) return g_slot_index[i];
    if (a == 0) return -1;
  }
}

std::uintptr_t place(std::uintptr_t near, std::size_t size, bool (*write)(std::byte*, void*), void* ctx) {
  return trace::place_code_near(near, size, write, ctx);
}

// A site that cannot be diverted would replay differently: refuse the run.
[[noreturn]] void refuse(const char* module, const arch::NondetSite& site, const char* why) {
  sys_print(2, "ariadne: %s: cannot divert `%s` at %#lx for replay: %s\n", module, site.name,
            static_cast<unsigned long>(site.address), why);
  sys_exit_group(125);
}

// An instruction replay cannot serve: no recording rather than a replay
// that could differ silently. Names the function (the instrumented one that
// covers it, as the site table knows it).
[[noreturn]] void refuse_instruction(const char* module, const arch::NondetSite& site) {
  const trace::Site* covering = trace::find_site(site.address);
  const char* function = covering != nullptr && covering->name[0] != '\0' ? covering->name : "(no symbol)";
  sys_print(2,
            "ariadne: %s: %s uses `%s` at %#lx: its result depends on the memory system and is not "
            "logged, so a replay could differ (docs/replay.md, \"SVE first-fault loads\"); not replayable\n",
            module, function, site.name, static_cast<unsigned long>(site.address));
  sys_exit_group(125);
}

// Writes the patch over the site's first bytes: the page read-write-execute
// meanwhile (never read-write: another thread may run it, at a dlopen), then
// read-execute again.
bool write_patch(std::uintptr_t at, const arch::NondetPatch& patch, std::string* error) {
  const std::uintptr_t page_size = getauxval(AT_PAGESZ);
  const std::uintptr_t first = at & ~(page_size - 1);
  const std::uintptr_t length = ((at + patch.length + page_size - 1) & ~(page_size - 1)) - first;
  void* pages = reinterpret_cast<void*>(first);
  const int opened = sys_mprotect(pages, length, PROT_READ | PROT_WRITE | PROT_EXEC);
  if (opened != 0) {
    *error = std::string("mprotect: ") + std::strerror(-opened);
    return false;
  }
  std::memcpy(reinterpret_cast<void*>(at), patch.bytes, patch.length);
  __builtin___clear_cache(reinterpret_cast<char*>(at), reinterpret_cast<char*>(at + patch.length));
  (void)sys_mprotect(pages, length, PROT_READ | PROT_EXEC);
  return true;
}

void on_code(const char* module, std::uintptr_t start, std::uintptr_t end) {
  std::vector<arch::NondetSite> found;
  arch::find_nondet(start, end, found);
  for (const arch::NondetSite& site : found) {
    if (!site.replayable) refuse_instruction(module, site);
    const std::size_t index = g_site_count.load(std::memory_order_relaxed);
    if (index == kMaxSites) refuse(module, site, "more than 65536 such instructions");
    g_sites[index] = site;
    // Findable before the int3 is written: a thread that traps on it at
    // once (another thread in a dlopen'ed module) must find its site.
    index_site(site.address, static_cast<std::uint32_t>(index));
    std::string error;
    arch::NondetPatch patch;
    if (!arch::nondet_patch(site, index, place, &patch, &error) || !write_patch(site.address, patch, &error))
      refuse(module, site, error.c_str());
    g_site_count.store(index + 1, std::memory_order_release);
  }
}

struct Arrival {
  const arch::NondetSite* site;
  void* context;
  arch::NondetValue value;
};

void arrived(std::size_t index, void* context) {
  const int saved_errno = errno;
  Arrival arrival{&g_sites[index], context, {}};
  ReplayThread* me = self();
  if (me == nullptr || trace::runtime_busy()) {
    // Not the program's (before the session, or the runtime's own work):
    // neither logged nor replayed.
    arch::nondet_result(*arrival.site, context, &arrival.value);
  } else {
    Args a{[](const Args& x) -> long {
             auto* r = reinterpret_cast<Arrival*>(x.a[0]);
             arch::nondet_result(*r->site, r->context, &r->value);
             return 0;
           },
           {word(&arrival)},
           [](const Args& x, long, OutBuf* o) -> int {
             auto* r = reinterpret_cast<Arrival*>(x.a[0]);
             o[0] = {&r->value, sizeof r->value};
             return 1;
           }};
    set_resume_address(arrival.site->address + arrival.site->length);
    call(me, kCallNondetInsn, digest_words({kCallNondetInsn, arrival.site->address}), false, false, a);
    set_resume_address(0);
  }
  arch::nondet_deliver(*arrival.site, context, arrival.value);
  errno = saved_errno;
}

bool on_trap(siginfo_t* info, void* context) {
  const std::uintptr_t address = arch::nondet_trap_site(info, context);
  if (address == 0) return false;
  const long index = find_site(address);
  if (index < 0) return false;
  arrived(static_cast<std::size_t>(index), context);
  return true;
}

}  // namespace

void divert_nondet_instructions() noexcept {
  trace::set_trap_handler(on_trap);
  (void)trace::set_code_observer(on_code);
}

std::size_t nondet_sites() noexcept { return g_site_count.load(std::memory_order_acquire); }

}  // namespace ariadne::replay

extern "C" void ariadne_nondet_arrived(void* frame, std::uint64_t index) {
  ariadne::replay::arrived(static_cast<std::size_t>(index), frame);
}
