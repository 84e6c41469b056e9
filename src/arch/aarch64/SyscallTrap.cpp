// AArch64 half of SyscallTrap.hpp: every `svc #0` in the code of every
// loaded module but ariadne's own libraries, the loader and the vDSO becomes
// `b stub`, one stub per site (syscall_trap.S), which goes to the kernel
// itself unless the thread traps, and otherwise hands the call to the
// handler. There is no hardware trap under QEMU (no Syscall User Dispatch,
// no seccomp): the rewrite is the mechanism.
//
// Which words: the module's SHF_EXECINSTR sections, read from its file (the
// executable PT_LOAD segments when the file has no section headers), each
// aligned word equal to d4000001. Modules loaded later: the loader's
// _dl_debug_state, which it calls once the new modules are mapped and before
// they are relocated or their constructors run, becomes a branch into
// loader_event() below, which rewrites them then.
//
// Clone: the handler gets SYS_clone and SYS_clone3 like any other number.
// It can make a fork-like clone itself (no new stack, no CLONE_VM): the
// child returns through it with 0 on its own copy of the stack. It cannot
// make one whose child runs on a new stack or in the same memory (threads,
// vfork, posix_spawn): that child would return into the handler's frames on
// a stack that is not its own. It refuses those (replay stops the recording,
// docs/replay.md "System calls"); a thread created while the calling
// thread is paused (replay's pthread_create interposer runs the real one so)
// goes to the kernel from the stub, which keeps nothing on the stack across
// the `svc`.
#include "arch/SyscallTrap.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "arch/AsmLayout.hpp"
#include "arch/RawSyscall.hpp"
#include "arch/aarch64/Branch.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

extern "C" {
extern const std::byte ariadne_svc_stub_template[];
extern const std::byte ariadne_svc_stub_svc[];
extern const std::byte ariadne_svc_stub_back_kernel[];
extern const std::byte ariadne_svc_stub_back_trapped[];
extern const std::byte ariadne_svc_stub_tls[];
extern const std::byte ariadne_svc_stub_common[];
extern const std::byte ariadne_svc_stub_site[];
extern const std::byte ariadne_svc_stub_end[];
extern const std::byte ariadne_svc_loader_veneer[];
extern const std::byte ariadne_svc_loader_veneer_target[];
extern const std::byte ariadne_svc_loader_veneer_end[];
void ariadne_syscall_trap_common();
void ariadne_svc_loader_entry();
}

namespace ariadne::arch {
namespace {

constexpr std::uint32_t kSvc0 = 0xd4000001u;
constexpr std::uint32_t kRet = 0xd65f03c0u;

// The thread's trap state; syscall_trap.S traps only when it is kStarted
// alone (its TRAPPING).
enum : std::uint32_t { kStarted = 1, kPaused = 2, kStopped = 4, kInHandler = 8 };
constinit thread_local std::uint32_t t_state __attribute__((tls_model("initial-exec"))) = 0;

void set_bits(std::uint32_t bits) { t_state |= bits; }
void clear_bits(std::uint32_t bits) { t_state &= ~bits; }

// Our own work (the scan, the stubs' pages, malloc on the way) is not the
// program's: the thread's calls go to the kernel meanwhile.
class OwnWork {
 public:
  OwnWork() : was_(t_state & kInHandler) { set_bits(kInHandler); }
  ~OwnWork() {
    if (was_ == 0) clear_bits(kInHandler);
  }
  OwnWork(const OwnWork&) = delete;
  OwnWork& operator=(const OwnWork&) = delete;

 private:
  std::uint32_t was_;
};

std::uintptr_t page_size() { return getauxval(AT_PAGESZ); }

std::size_t stub_offset(const std::byte* label) {
  return static_cast<std::size_t>(label - ariadne_svc_stub_template);
}
std::size_t stub_size() { return (stub_offset(ariadne_svc_stub_end) + 15) & ~std::size_t{15}; }

struct Range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  bool holds(std::uintptr_t at) const { return at >= begin && at < end; }
};

// One rewritten module: where it is, its stubs' pages and its sites.
struct Module {
  std::uintptr_t bias = 0;
  const void* phdr = nullptr;  // with bias: tells a module from a later one at the same place
  std::vector<Range> pages;    // its stubs (unmapped when the module goes)
  std::vector<std::uintptr_t> sites;
};

struct TrapState {
  std::mutex lock;
  TrappedSyscall handler = nullptr;
  std::uintptr_t tls_offset = 0;
  Range exempt[kMaxExemptCode];
  int exempt_count = 0;
  std::vector<Module> modules;
  Range loader_veneer;
  bool failed = false;  // a module could not be rewritten (said on stderr)
};
TrapState& state() {
  static TrapState& s = *new TrapState;  // never destroyed: stubs may run at exit
  return s;
}
std::atomic<bool> g_installed{false};
std::atomic<std::uint64_t> g_trapped{0};

bool exempt(const TrapState& s, std::uintptr_t at) {
  const Range own{reinterpret_cast<std::uintptr_t>(ariadne_svc_stub_template),
                  reinterpret_cast<std::uintptr_t>(ariadne_svc_stub_end)};
  if (own.holds(at)) return true;
  for (int i = 0; i < s.exempt_count; ++i)
    if (s.exempt[i].holds(at)) return true;
  return false;
}

// Not the program's code: the loader and the vDSO (whose calls are made
// before anything is ours, or by nothing), and ariadne's own libraries.
bool skipped_module(const dl_phdr_info& info, Range span) {
  const std::uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  const std::uintptr_t loader = getauxval(AT_BASE);
  if ((vdso != 0 && span.holds(vdso)) || (loader != 0 && span.holds(loader))) return true;
  const char* name = info.dlpi_name != nullptr ? info.dlpi_name : "";
  const char* slash = std::strrchr(name, '/');
  const char* base = slash != nullptr ? slash + 1 : name;
  for (const char* own :
       {"libariadne-rt.so", "libariadne-replay.so", "ld-linux-aarch64.so.1", "linux-vdso.so.1"})
    if (std::strcmp(base, own) == 0) return true;
  return false;
}

Range module_span(const dl_phdr_info& info) {
  Range span{~std::uintptr_t{0}, 0};
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    span.begin = std::min<std::uintptr_t>(span.begin, info.dlpi_addr + ph.p_vaddr);
    span.end = std::max<std::uintptr_t>(span.end, info.dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  return span;
}

bool read_at(int fd, void* into, std::size_t size, std::uint64_t offset) {
  return raw_syscall(SYS_pread64, fd, into, size, offset) == static_cast<long>(size);
}

// The module's code: its allocated SHF_EXECINSTR sections, from the file;
// the executable PT_LOAD segments if the file has none to read.
std::vector<Range> code_of(const dl_phdr_info& info) {
  std::vector<Range> code;
  const char* path =
      info.dlpi_name != nullptr && info.dlpi_name[0] != '\0' ? info.dlpi_name : "/proc/self/exe";
  // The file's header must be the one mapped (not a file replaced since).
  const ElfW(Ehdr)* mapped = nullptr;
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && ph.p_offset == 0 && ph.p_filesz >= sizeof(ElfW(Ehdr)))
      mapped = reinterpret_cast<const ElfW(Ehdr)*>(info.dlpi_addr + ph.p_vaddr);
  }
  const int fd = mapped != nullptr ? sys_open(path, O_RDONLY | O_CLOEXEC) : -1;
  ElfW(Ehdr) eh;
  if (fd >= 0 && read_at(fd, &eh, sizeof eh, 0) && std::memcmp(&eh, mapped, sizeof eh) == 0 &&
      eh.e_shentsize == sizeof(ElfW(Shdr)) && eh.e_shnum > 0) {
    std::vector<ElfW(Shdr)> sections(eh.e_shnum);
    if (read_at(fd, sections.data(), sections.size() * sizeof(ElfW(Shdr)), eh.e_shoff)) {
      for (const ElfW(Shdr) & sh : sections) {
        constexpr auto kCode = SHF_ALLOC | SHF_EXECINSTR;
        if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & kCode) == kCode && sh.sh_size > 0)
          code.push_back({info.dlpi_addr + sh.sh_addr, info.dlpi_addr + sh.sh_addr + sh.sh_size});
      }
    }
  }
  if (fd >= 0) sys_close(fd);
  if (!code.empty()) return code;
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0)
      code.push_back({info.dlpi_addr + ph.p_vaddr, info.dlpi_addr + ph.p_vaddr + ph.p_filesz});
  }
  return code;
}

// `size` bytes of fresh read-write pages from which a direct branch reaches
// all of `span` and back. Hints are checked, never trusted: QEMU user mode
// moves an occupied one anywhere (docs: toolchain notes).
std::uintptr_t map_near(Range span, std::size_t size) {
  const std::uintptr_t page = page_size();
  const std::size_t length = (size + page - 1) & ~(page - 1);
  auto reaches = [&](std::uintptr_t base) {
    return b_reaches(span.begin, base) && b_reaches(span.end, base + length) && b_reaches(base, span.begin) &&
           b_reaches(base + length, span.end);
  };
  constexpr unsigned kAttemptsPerSide = 64;
  const std::uintptr_t step = ((std::uintptr_t{1} << 27) / kAttemptsPerSide) & ~(page - 1);
  const std::uintptr_t below = (span.begin & ~(page - 1)) - length;
  const std::uintptr_t above = (span.end + page - 1) & ~(page - 1);
  for (unsigned attempt = 0; attempt < 2 * kAttemptsPerSide; ++attempt) {
    const std::uintptr_t distance = (attempt / 2) * step;
    const bool down = attempt % 2 == 0;
    if (down && below < distance) continue;
    const std::uintptr_t hint = down ? below - distance : above + distance;
    if (!reaches(hint)) continue;
    void* got = sys_mmap(reinterpret_cast<void*>(hint), length, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED) continue;
    if (reaches(reinterpret_cast<std::uintptr_t>(got))) return reinterpret_cast<std::uintptr_t>(got);
    sys_munmap(got, length);
  }
  return 0;
}

// The stub for `site` at `at`: the template with its fields filled in.
void write_stub(std::byte* at, std::uintptr_t site, std::uintptr_t tls_offset) {
  const auto stub = reinterpret_cast<std::uintptr_t>(at);
  std::memcpy(at, ariadne_svc_stub_template, stub_offset(ariadne_svc_stub_end));
  auto put32 = [&](const std::byte* label, std::uint32_t w) { std::memcpy(at + stub_offset(label), &w, 4); };
  auto put64 = [&](const std::byte* label, std::uint64_t v) { std::memcpy(at + stub_offset(label), &v, 8); };
  put32(ariadne_svc_stub_svc, kSvc0);
  for (const std::byte* back : {ariadne_svc_stub_back_kernel, ariadne_svc_stub_back_trapped})
    put32(back, encode_b(stub + stub_offset(back), site + 4));
  put64(ariadne_svc_stub_tls, tls_offset);
  put64(ariadne_svc_stub_common, reinterpret_cast<std::uint64_t>(&ariadne_syscall_trap_common));
  put64(ariadne_svc_stub_site, site);
}

// Writes `words[i]` at `sites[i]`, all in [code.begin, code.end): the pages
// read-write-execute meanwhile (another thread may be running them), then
// read-execute again.
bool write_code(Range code, const std::vector<std::uintptr_t>& sites,
                const std::vector<std::uint32_t>& words) {
  const std::uintptr_t page = page_size();
  const std::uintptr_t first = code.begin & ~(page - 1);
  const std::uintptr_t length = ((code.end + page - 1) & ~(page - 1)) - first;
  void* pages = reinterpret_cast<void*>(first);
  if (sys_mprotect(pages, length, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return false;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    // One aligned store: a thread running the word sees the old or the new.
    __atomic_store_n(reinterpret_cast<std::uint32_t*>(sites[i]), words[i], __ATOMIC_RELAXED);
    __builtin___clear_cache(reinterpret_cast<char*>(sites[i]), reinterpret_cast<char*>(sites[i] + 4));
  }
  (void)sys_mprotect(pages, length, PROT_READ | PROT_EXEC);
  return true;
}

void complain(const char* module, const char* why) {
  sys_print(2, "ariadne: %s: its system calls cannot be trapped: %s\n",
            module[0] != '\0' ? module : "the program", why);
}

// Every `svc #0` of the module becomes a branch to a stub of its own.
void rewrite_module(TrapState& s, const dl_phdr_info& info, Range span) {
  Module module{info.dlpi_addr, info.dlpi_phdr, {}, {}};
  for (const Range& code : code_of(info)) {
    std::vector<std::uintptr_t> sites;
    for (std::uintptr_t at = (code.begin + 3) & ~std::uintptr_t{3}; at + 4 <= code.end; at += 4)
      if (load_word(at) == kSvc0 && !exempt(s, at)) sites.push_back(at);
    if (sites.empty()) continue;
    const std::uintptr_t stubs = map_near(span, sites.size() * stub_size());
    if (stubs == 0) {
      complain(info.dlpi_name, "no room for its stubs within branch reach");
      s.failed = true;
      continue;
    }
    const std::uintptr_t length = (sites.size() * stub_size() + page_size() - 1) & ~(page_size() - 1);
    std::vector<std::uint32_t> branches;
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const std::uintptr_t stub = stubs + i * stub_size();
      write_stub(reinterpret_cast<std::byte*>(stub), sites[i], s.tls_offset);
      branches.push_back(encode_b(sites[i], stub));
    }
    __builtin___clear_cache(reinterpret_cast<char*>(stubs), reinterpret_cast<char*>(stubs + length));
    // A fresh page no one runs yet: read-write, then read-execute (never both).
    if (sys_mprotect(reinterpret_cast<void*>(stubs), length, PROT_READ | PROT_EXEC) != 0 ||
        !write_code(code, sites, branches)) {
      complain(info.dlpi_name, "mprotect refused");
      sys_munmap(reinterpret_cast<void*>(stubs), length);
      s.failed = true;
      continue;
    }
    module.pages.push_back({stubs, stubs + length});  // one per code section: a few (.init, .text, .fini)
    module.sites.insert(module.sites.end(), sites.begin(), sites.end());
  }
  s.modules.push_back(std::move(module));
}

// Modules loaded since the last look are rewritten; those gone are forgotten
// (and their stubs' pages unmapped). Under the lock.
void rescan(TrapState& s) {
  struct Seen {
    TrapState* s;
    std::vector<bool> present;
  } seen{&s, std::vector<bool>(s.modules.size(), false)};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto& seen = *static_cast<Seen*>(data);
        bool known = false;
        for (std::size_t i = 0; i < seen.present.size(); ++i) {
          const Module& m = seen.s->modules[i];
          if (m.bias == info->dlpi_addr && m.phdr == info->dlpi_phdr) seen.present[i] = known = true;
        }
        const Range span = module_span(*info);
        if (!known && span.end > span.begin && !skipped_module(*info, span))
          rewrite_module(*seen.s, *info, span);
        return 0;
      },
      &seen);
  for (std::size_t i = seen.present.size(); i-- > 0;) {
    if (seen.present[i]) continue;
    for (const Range& pages : s.modules[i].pages)
      sys_munmap(reinterpret_cast<void*>(pages.begin), pages.end - pages.begin);
    s.modules.erase(s.modules.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

// The loader's _dl_debug_state (r_debug.r_brk) branches to a veneer near
// the loader, which reaches loader_event.
bool hook_loader(TrapState& s, std::uintptr_t brk) {
  if (brk == 0 || (brk & 3) != 0 || load_word(brk) != kRet) return false;
  const std::size_t size =
      static_cast<std::size_t>(ariadne_svc_loader_veneer_end - ariadne_svc_loader_veneer);
  const std::uintptr_t veneer = map_near({brk, brk + 4}, size);
  if (veneer == 0) return false;
  auto* at = reinterpret_cast<std::byte*>(veneer);
  std::memcpy(at, ariadne_svc_loader_veneer, size);
  const auto target = reinterpret_cast<std::uint64_t>(&ariadne_svc_loader_entry);
  std::memcpy(at + (ariadne_svc_loader_veneer_target - ariadne_svc_loader_veneer), &target, 8);
  __builtin___clear_cache(reinterpret_cast<char*>(at), reinterpret_cast<char*>(at + size));
  if (sys_mprotect(at, page_size(), PROT_READ | PROT_EXEC) != 0 ||
      !write_code({brk, brk + 4}, {brk}, {encode_b(brk, veneer)})) {
    sys_munmap(at, page_size());
    return false;
  }
  s.loader_veneer = {veneer, veneer + size};
  return true;
}

std::uintptr_t loader_breakpoint() {
  // The loader's r_debug: the base namespace's, which it updates for every
  // namespace; r_brk is the function it calls.
  const auto* debug = reinterpret_cast<const r_debug*>(dlsym(RTLD_DEFAULT, "_r_debug"));
  return debug != nullptr ? debug->r_brk : 0;
}

}  // namespace

bool install_syscall_trap(TrappedSyscall handler) noexcept {
  if (handler == nullptr) return false;
  const std::uintptr_t brk = loader_breakpoint();  // before the lock: dlsym takes the loader's
  OwnWork own;
  TrapState& s = state();
  std::lock_guard<std::mutex> guard(s.lock);
  if (g_installed.load(std::memory_order_relaxed)) return false;
  s.handler = handler;
  s.tls_offset = reinterpret_cast<std::uintptr_t>(&t_state) -
                 reinterpret_cast<std::uintptr_t>(__builtin_thread_pointer());
  if (!hook_loader(s, brk))
    complain("the loader", "_dl_debug_state cannot be hooked: modules loaded later keep their calls");
  rescan(s);
  g_installed.store(true, std::memory_order_release);
  return !s.failed;
}

bool start_syscall_trap() noexcept {
  if (!g_installed.load(std::memory_order_acquire)) return false;
  t_state = (t_state | kStarted) & ~kStopped;
  return true;
}

void stop_syscall_trap() noexcept { set_bits(kStopped); }

int syscall_trap_signal() noexcept { return 0; }  // a branch, no signal

bool syscall_trap_started() noexcept { return (t_state & (kStarted | kStopped)) == kStarted; }

bool pause_syscall_trap(bool paused) noexcept {
  const bool was = (t_state & kPaused) != 0;
  if (paused)
    set_bits(kPaused);
  else
    clear_bits(kPaused);
  return was;
}

bool exempt_code(std::uintptr_t begin, std::uintptr_t end) noexcept {
  OwnWork own;
  TrapState& s = state();
  std::lock_guard<std::mutex> guard(s.lock);
  if (s.exempt_count == kMaxExemptCode || begin >= end) return false;
  const Range range{begin, end};
  s.exempt[s.exempt_count++] = range;
  // Sites already rewritten there go back to `svc #0`.
  for (Module& m : s.modules) {
    std::vector<std::uintptr_t> back;
    for (std::uintptr_t site : m.sites)
      if (range.holds(site)) back.push_back(site);
    if (back.empty()) continue;
    const auto [low, high] = std::minmax_element(back.begin(), back.end());
    if (!write_code({*low, *high + 4}, back, std::vector<std::uint32_t>(back.size(), kSvc0))) return false;
    std::erase_if(m.sites, [&](std::uintptr_t site) { return range.holds(site); });
  }
  return true;
}

std::uint64_t trapped_syscalls() noexcept { return g_trapped.load(std::memory_order_relaxed); }

// From ariadne_syscall_trap_common, on the trapping thread: the handler's
// result goes where the kernel's would (x0), errno as it was.
extern "C" void ariadne_syscall_trap_arrived(NondetFrame* frame, std::uintptr_t) {
  set_bits(kInHandler);
  g_trapped.fetch_add(1, std::memory_order_relaxed);
  const int saved_errno = errno;
  long args[6];
  for (int i = 0; i < 6; ++i) args[i] = static_cast<long>(frame->x[i]);
  frame->x[0] = static_cast<std::uint64_t>(state().handler(static_cast<long>(frame->x[8]), args));
  errno = saved_errno;
  clear_bits(kInHandler);
}

// From the loader's _dl_debug_state, the loader's lock held: modules it just
// mapped are rewritten before it relocates them or runs their constructors.
extern "C" void ariadne_syscall_trap_loader_event() {
  OwnWork own;
  TrapState& s = state();
  std::lock_guard<std::mutex> guard(s.lock);
  if (g_installed.load(std::memory_order_acquire)) rescan(s);
}

}  // namespace ariadne::arch
