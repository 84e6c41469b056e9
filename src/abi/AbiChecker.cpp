// `ariadne abicheck`, the runtime half: a client of the trace API that checks
// every enabled call against the calling convention, driven by the
// environment (the CLI sets these):
//   ARIADNE_ABICHECK=1                  on
//   ARIADNE_ABICHECK_INCLUDE=re\nre...  functions to check (POSIX ERE on demangled names); empty: all
//   ARIADNE_ABICHECK_EXCLUDE=re\nre...  functions not to check, applied after the includes
//   ARIADNE_ABICHECK_CONTINUE=1         count every violation instead of stopping at the first
//   ARIADNE_ABICHECK_OUTPUT=file        where reports go (default stderr)
// Entry: SP alignment; the callee-saved registers (arch/AbiRegisters.hpp)
// and the return address go into the call's call_data(). Exit: compared.
// Exits by unwinding (longjmp, exceptions) are not checked: their registers
// are whatever the unwinder left. The summary counts them. A violation ends the program with status 3
// (CONTINUE: at exit, after a summary).
//
// The handlers run on every call: no locks, no allocation. Reports take a
// spin lock and format with snprintf into a static buffer.
#include "abi/AbiChecker.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "arch/AbiRegisters.hpp"
#include "trace/Handlers.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/SiteTable.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::abi {
namespace {

using trace::Frame;
using trace::Site;

// Register index for violations that are not a register.
constexpr std::uint32_t kEntryAlignment = 0xfe;
constexpr std::uint32_t kLostReturn = 0xff;
constexpr int kViolationStatus = 3;

// What the entry handler leaves for the exit handler in call_data().
struct EntryRecord {
  std::uint64_t valid;  // kValid: written by our entry handler (call data is zeroed at entry)
  std::uint64_t return_address;
  std::uint64_t values[arch::kMaxAbiRegisters];
};
static_assert(sizeof(EntryRecord) <= trace::kCallDataSize);
constexpr std::uint64_t kValid = 0x41424943484b;  // "ABICHK"

struct Config {
  bool keep_going = false;
  int fd = STDERR_FILENO;
};
Config g_config;

std::atomic<std::uint64_t> g_checked{0};
std::atomic<std::uint64_t> g_unwound{0};  // entered, then left by longjmp or an exception: not compared
std::atomic<std::uint64_t> g_violations{0};

// Violation counts per (site, register): open addressing, never freed.
constexpr std::size_t kTally = 4096;
struct TallySlot {
  std::atomic<std::uint64_t> key{0};  // (site id << 8 | register) + 1
  std::atomic<std::uint64_t> count{0};
};
TallySlot g_tally[kTally];
std::atomic<std::uint64_t> g_tally_overflow{0};

// Returns true the first time (site, register) is seen.
bool tally(std::uint32_t site_id, std::uint32_t reg) noexcept {
  const std::uint64_t key = ((std::uint64_t{site_id} << 8) | reg) + 1;
  std::size_t i = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 52) % kTally;
  for (std::size_t probe = 0; probe < kTally; ++probe, i = (i + 1) % kTally) {
    std::uint64_t k = g_tally[i].key.load(std::memory_order_acquire);
    if (k == 0 && g_tally[i].key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) k = key;
    if (k == key) return g_tally[i].count.fetch_add(1, std::memory_order_relaxed) == 0;
  }
  g_tally_overflow.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// ---------------------------------------------------------------------------
// Report text. One report at a time (the spin lock); the buffer is static.
std::atomic_flag g_report_lock = ATOMIC_FLAG_INIT;
char g_text[16384];
std::size_t g_used = 0;

void lock_report() noexcept {
  while (g_report_lock.test_and_set(std::memory_order_acquire)) {
  }
}
void unlock_report() noexcept { g_report_lock.clear(std::memory_order_release); }

__attribute__((format(__printf__, 1, 2))) void add(const char* fmt, ...) noexcept {
  if (g_used >= sizeof g_text - 1) return;
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(g_text + g_used, sizeof g_text - g_used, fmt, ap);
  va_end(ap);
  if (n > 0) g_used = std::min(sizeof g_text - 1, g_used + static_cast<std::size_t>(n));
}

void flush() noexcept {
  sys_write_all(g_config.fd, g_text, g_used);
  g_used = 0;
}

const char* site_name(const Site* s) noexcept {
  if (s == nullptr) return "?";
  const char* name = trace::detail::display_name(*s);
  return name[0] ? name : "?";
}

// One line of a call stack: the address, the function covering it, its module.
void add_stack_line(int depth, std::uintptr_t pc) noexcept {
  // A return address points after the call; the call itself is what counts
  // (a noreturn call may be the last instruction of its function).
  const std::uintptr_t inside = depth == 0 ? pc : pc - 1;
  if (const Site* s = trace::find_site(inside); s != nullptr) {
    add("      #%d 0x%016lx %s [%s]\n", depth, static_cast<unsigned long>(pc), site_name(s), s->module);
    return;
  }
  // Not a site: the dynamic symbol table, if it has one; else the module
  // and the offset in it, for addr2line.
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(inside), &info) != 0) {
    const char* module = info.dli_fname ? info.dli_fname : "?";
    if (info.dli_sname != nullptr) {
      add("      #%d 0x%016lx %s [%s]\n", depth, static_cast<unsigned long>(pc), info.dli_sname, module);
    } else {
      add("      #%d 0x%016lx ? [%s+0x%lx]\n", depth, static_cast<unsigned long>(pc), module,
          static_cast<unsigned long>(pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase)));
    }
    return;
  }
  add("      #%d 0x%016lx ?\n", depth, static_cast<unsigned long>(pc));
}

// Hooked calls on the stack have the exit trampoline as their return
// address; the originals are on the stack's shadow stack, innermost first.
struct OriginalReturns {
  trace::detail::ShadowStack* stack;
  std::uint32_t next;  // entries below this one are still unread

  std::uintptr_t resolve(std::uintptr_t ra) noexcept {
    const std::uintptr_t hook = trace::detail::exit_hook();
    if (ra != hook || stack == nullptr) return ra;
    while (next > 0) {
      const trace::detail::ShadowEntry& e = stack->entries[--next];
      // Skipped: the entry being made (its key is not yet published), tail
      // calls sharing the return below, and calls already unhooked.
      if (e.key == ~std::uintptr_t{0} || e.original == hook || (e.flags & trace::detail::kUnhooked) != 0)
        continue;
      return e.original;
    }
    return ra;
  }
};

// #0 the function, #1 where it returns to, then the frame-record chain from
// the caller's record. Every record is checked before it is read: inside the
// current machine stack, aligned, each one further out than the last.
// `still_remembered`: the call itself is still on the shadow stack (a lost
// return), not popped as at a normal exit.
void add_call_stack(std::uintptr_t site, std::uintptr_t entry_sp, std::uintptr_t return_address,
                    std::uintptr_t record, bool still_remembered = false) noexcept {
  add("    call stack:\n");
  add_stack_line(0, site);
  trace::detail::ShadowStack* s = trace::detail::shadow_stack_for(entry_sp);
  OriginalReturns originals{s, s ? s->top : 0};
  if (still_remembered && originals.next > 0) --originals.next;
  if (return_address == 0) return;
  add_stack_line(1, originals.resolve(return_address));
  if (s == nullptr) return;
  std::uintptr_t fp = record;
  std::uintptr_t lowest = entry_sp;
  for (int depth = 2; depth < 64; ++depth) {
    if (fp < lowest || fp < s->lo || fp + 16 > s->hi || (fp & 7) != 0) return;
    const auto* rec = reinterpret_cast<const std::uint64_t*>(fp);
    const std::uintptr_t ra = originals.resolve(rec[1]);
    if (ra == 0) return;
    add_stack_line(depth, ra);
    lowest = fp + 16;
    fp = rec[0];
  }
}

void add_head(const Site* site) noexcept {
  char self[256];
  const long n = sys_readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  add("ariadne abicheck: violation: %s in %s (thread %ld)\n", site_name(site), site ? site->module : self,
      static_cast<long>(sys_gettid()));
}

void summary_at_exit() noexcept;

// After a report: the first violation ends the program, unless CONTINUE.
void after_violation(bool fatal) noexcept {
  flush();
  if (!fatal && g_config.keep_going) {
    unlock_report();
    return;
  }
  unlock_report();
  if (g_config.keep_going) summary_at_exit();
  sys_exit_group(kViolationStatus);
}

// The caller's frame record as the call was entered: at exit, the frame
// pointer may be one of the broken registers.
std::uintptr_t entry_frame_record(const EntryRecord& record) noexcept {
  const arch::AbiRules& rules = arch::abi_rules();
  Frame entry{};
  for (std::size_t i = 0; i < rules.count; ++i) {
    const arch::AbiRegister& r = rules.registers[i];
    std::memcpy(reinterpret_cast<unsigned char*>(static_cast<trace::Regs*>(&entry)) + r.offset,
                &record.values[i], r.size);
  }
  return arch::frame_record(entry);
}

// ---------------------------------------------------------------------------
// The handlers.
// GCC calls a function of the same module with the stack less aligned than
// the ABI's 16 bytes when it knows the callee needs no more
// (-fipa-stack-alignment, x86-64; seen at -O0 for anonymous-namespace
// functions and std::__normal_iterator::base()): the ABI's rule is for public
// interfaces. A misaligned entry counts when the caller is not compiled code
// of the callee's own module as the runtime knows it: another module, or code
// without a site (hand-written assembly). AArch64 compilers never do this.
bool misalignment_counts(const Site& site, std::uintptr_t return_address) noexcept {
  const Site* caller = trace::find_site(return_address - 1);
  return caller == nullptr || std::strcmp(caller->module, site.module) != 0;
}

void on_entry(const Site& site, Frame& frame, void*) {
  if (!arch::entry_stack_aligned(frame) && misalignment_counts(site, frame.return_address())) {
    g_violations.fetch_add(1, std::memory_order_relaxed);
    if (tally(site.id, kEntryAlignment) || !g_config.keep_going) {
      lock_report();
      add_head(&site);
      add("    %s: 0x%016lx\n", arch::abi_rules().misaligned_entry,
          static_cast<unsigned long>(frame.stack_pointer()));
      add_call_stack(site.address, frame.stack_pointer(), frame.return_address(), arch::frame_record(frame));
      after_violation(false);
    }
  }
  auto* record = static_cast<EntryRecord*>(trace::call_data());
  if (record == nullptr) return;
  const arch::AbiRules& rules = arch::abi_rules();
  for (std::size_t i = 0; i < rules.count; ++i)
    record->values[i] = arch::read_register(rules.registers[i], frame);
  record->return_address = frame.return_address();
  record->valid = kValid;
}

void on_exit(const Site& site, Frame& frame, void*) {
  const auto* record = static_cast<const EntryRecord*>(trace::call_data());
  if (record == nullptr || record->valid != kValid) return;
  if ((frame.flags & trace::kFrameUnwound) != 0) {
    g_unwound.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_checked.fetch_add(1, std::memory_order_relaxed);
  const arch::AbiRules& rules = arch::abi_rules();
  bool report = false;
  bool any = false;
  for (std::size_t i = 0; i < rules.count; ++i) {
    if (arch::read_register(rules.registers[i], frame) == record->values[i]) continue;
    any = true;
    g_violations.fetch_add(1, std::memory_order_relaxed);
    if (tally(site.id, static_cast<std::uint32_t>(i))) report = true;
  }
  if (!any || (!report && g_config.keep_going)) return;
  lock_report();
  add_head(&site);
  for (std::size_t i = 0; i < rules.count; ++i) {
    const std::uint64_t now = arch::read_register(rules.registers[i], frame);
    if (now == record->values[i]) continue;
    add("    %s: at entry 0x%016lx, at exit 0x%016lx\n", rules.registers[i].name,
        static_cast<unsigned long>(record->values[i]), static_cast<unsigned long>(now));
  }
  add_call_stack(site.address, frame.stack_pointer(), record->return_address, entry_frame_record(*record));
  after_violation(false);
}

[[noreturn]] void on_lost_return(const Site* site, std::uintptr_t entry_sp, std::uintptr_t exit_sp,
                                 const void* call_data, const char* message) {
  g_violations.fetch_add(1, std::memory_order_relaxed);
  if (site != nullptr) tally(site->id, kLostReturn);
  lock_report();
  add_head(site);
  add("    sp: at entry 0x%016lx, at exit 0x%016lx (the return address is lost: cannot continue)\n",
      static_cast<unsigned long>(entry_sp), static_cast<unsigned long>(exit_sp));
  add("    %s", message);
  const auto* record = static_cast<const EntryRecord*>(call_data);
  if (site != nullptr && record != nullptr && record->valid == kValid) {
    add_call_stack(site->address, entry_sp, record->return_address, entry_frame_record(*record), true);
  }
  after_violation(true);
  sys_exit_group(kViolationStatus);
}

// ---------------------------------------------------------------------------
// Summary at exit.
const char* register_name(std::uint32_t reg) noexcept {
  if (reg == kEntryAlignment) return "sp-alignment";
  if (reg == kLostReturn) return "sp";
  const arch::AbiRules& rules = arch::abi_rules();
  return reg < rules.count ? rules.registers[reg].name : "?";
}

void summary_at_exit() noexcept {
  const std::uint64_t violations = g_violations.load(std::memory_order_relaxed);
  const std::uint64_t checked = g_checked.load(std::memory_order_relaxed);
  // A process of the run with nothing instrumented (a shell that starts the
  // instrumented program, an uninstrumented PROG) has nothing to sum up:
  // `ariadne abicheck` says so when the whole run had nothing.
  if (violations == 0 && trace::detail::sites().site_count() == 0) return;
  lock_report();
  // Calls that never returned normally have no registers at a return to
  // compare: said, so that "no violation" is not read as covering them.
  const std::uint64_t unwound = g_unwound.load(std::memory_order_relaxed);
  char not_compared[128];
  std::snprintf(not_compared, sizeof not_compared, "; %llu not compared (left by longjmp or an exception)",
                static_cast<unsigned long long>(unwound));
  if (violations == 0) {
    add("ariadne abicheck: %llu calls checked, no violation%s\n", static_cast<unsigned long long>(checked),
        not_compared);
    flush();
    unlock_report();
    return;
  }
  add("ariadne abicheck: %llu violations in %llu checked calls%s\n",
      static_cast<unsigned long long>(violations), static_cast<unsigned long long>(checked), not_compared);
  for (TallySlot& t : g_tally) {
    const std::uint64_t key = t.key.load(std::memory_order_acquire);
    if (key == 0) continue;
    const auto site_id = static_cast<std::uint32_t>((key - 1) >> 8);
    const auto reg = static_cast<std::uint32_t>((key - 1) & 0xff);
    add("  %llu  %s  %s\n", static_cast<unsigned long long>(t.count.load(std::memory_order_relaxed)),
        site_name(trace::site(site_id)), register_name(reg));
  }
  if (const std::uint64_t lost = g_tally_overflow.load(std::memory_order_relaxed); lost != 0) {
    add("  %llu  (more functions than the table holds)\n", static_cast<unsigned long long>(lost));
  }
  flush();
  unlock_report();
}

// Runs late in exit(): after the program's own atexit handlers and static
// destructors (registered after the runtime's constructor).
void at_exit() {
  summary_at_exit();
  if (g_violations.load(std::memory_order_relaxed) != 0) {
    std::fflush(nullptr);
    sys_exit_group(kViolationStatus);
  }
}

bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0' && v[0] != '0';
}

// Applies each newline-separated regex of `name` with `apply`; false after
// saying what was wrong with one.
bool each_regex(const char* name, long (*apply)(trace::Selector), long* applied) {
  const char* list = std::getenv(name);
  if (list == nullptr) return true;
  std::string text(list);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string re = text.substr(start, end - start);
    start = end + 1;
    if (re.empty()) continue;
    if (apply(trace::by_regex(re.c_str())) < 0) {
      sys_print(STDERR_FILENO, "ariadne abicheck: %s: '%s': %s\n", name, re.c_str(), trace::error());
      return false;
    }
    ++*applied;
  }
  return true;
}

}  // namespace

void start_abi_checker_from_environment() noexcept {
  if (!env_on("ARIADNE_ABICHECK")) return;
  g_config.keep_going = env_on("ARIADNE_ABICHECK_CONTINUE");
  if (const char* out = std::getenv("ARIADNE_ABICHECK_OUTPUT"); out != nullptr && out[0] != '\0') {
    const int fd = sys_open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      sys_print(STDERR_FILENO, "ariadne abicheck: cannot open %s: %s\n", out, std::strerror(-fd));
      sys_exit_group(2);
    }
    g_config.fd = fd;
  }
  trace::detail::set_lost_return_hook(on_lost_return);
  if (trace::add_entry_handler(on_entry, nullptr) < 0 || trace::add_exit_handler(on_exit, nullptr) < 0) {
    sys_print(STDERR_FILENO, "ariadne abicheck: no free handler slot\n");
    sys_exit_group(2);
  }
  std::atexit(at_exit);
  long includes = 0;
  long excludes = 0;
  if (!each_regex("ARIADNE_ABICHECK_INCLUDE", trace::enable, &includes)) sys_exit_group(2);
  if (includes == 0) trace::enable(trace::all());
  if (!each_regex("ARIADNE_ABICHECK_EXCLUDE", trace::disable, &excludes)) sys_exit_group(2);
}

}  // namespace ariadne::abi
