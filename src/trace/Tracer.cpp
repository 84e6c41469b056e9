#include "trace/Tracer.hpp"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <regex.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "arch/CodePatch.hpp"
#include "patch/CodeWriter.hpp"
#include "patch/ModuleScanner.hpp"
#include "patch/VeneerPool.hpp"
#include "trace/Handlers.hpp"
#include "trace/LibCalls.hpp"
#include "trace/SignalBroker.hpp"
#include "trace/SiteTable.hpp"
#include "trace/StackRegions.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

pthread_mutex_t g_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
std::atomic<int> g_initialized{0};  // 0 no, 1 in progress, 2 done
std::atomic<ModuleObserver> g_module_observers[kMaxModuleObservers] = {};
std::atomic<bool> g_program_note_routine{false};  // leave_uninstrumented_program_to_launcher()

struct Guard {
  Guard() { pthread_mutex_lock(&g_lock); }
  ~Guard() { pthread_mutex_unlock(&g_lock); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
};

// An enable/disable call, replayed on modules loaded later.
struct Rule {
  Selector::Kind kind;
  std::string text;
  std::uintptr_t address;
  bool enable;
  bool after_pin;  // mutes or unmutes (pin_sites) instead of patching
};

struct TracerState {
  std::vector<Rule> rules;
  patch::VeneerPool veneers;
  patch::CodeWriter writer;
  std::string diagnostics;
  std::vector<std::pair<std::string, std::uintptr_t>> skipped;  // modules seen but not traced
  bool verbose = false;
  bool pinned = false;
};
// Never destroyed: at exit, enabled sites may still call through the
// veneers it owns, and destructors run while the program's threads (and its
// atexit handlers) are still making traced calls.
TracerState& state() {
  static TracerState* s = new TracerState;
  return *s;
}

const std::uintptr_t kEntryTrampoline = reinterpret_cast<std::uintptr_t>(&ariadne_trace_entry_trampoline);

void say(const std::string& line) {
  const std::string text = "ariadne-rt: " + line + "\n";
  sys_write_all(STDERR_FILENO, text.data(), text.size());
}

// Is (path, bias) a module we already track (traced or deliberately skipped)?
bool known(const char* path, std::uintptr_t bias) {
  SiteTable& t = sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    const ModuleRecord& m = t.module(i);
    if (m.live.load(std::memory_order_relaxed) && m.image->bias == bias && m.image->path == path) return true;
  }
  for (const auto& [p, b] : state().skipped) {
    if (b == bias && p == path) return true;
  }
  return false;
}

// Our own library is never traced: its code is the tracer.
bool is_runtime(std::uintptr_t lowest, std::uintptr_t highest) {
  const auto self = reinterpret_cast<std::uintptr_t>(&ensure_initialized);
  return self >= lowest && self < highest;
}

// ---- selectors --------------------------------------------------------------

class Matcher {
 public:
  explicit Matcher(const Selector& s) : s_(s) {
    if (s.kind == Selector::Kind::regex || s.kind == Selector::Kind::module_regex) {
      const int rc = ::regcomp(&re_, s.text ? s.text : "", REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char why[128];
        ::regerror(rc, &re_, why, sizeof why);
        set_error("invalid regex '%s': %s", s.text ? s.text : "", why);
        return;
      }
      compiled_ = true;
    }
    ok_ = s.kind == Selector::Kind::all || s.kind == Selector::Kind::address || compiled_ ||
          (s.kind == Selector::Kind::name && s.text != nullptr);
    if (!ok_ && s.kind == Selector::Kind::name) set_error("by_name: null name");
  }
  ~Matcher() {
    if (compiled_) ::regfree(&re_);
  }
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  bool ok() const { return ok_; }

  bool matches(const SiteRecord& r) const {
    const Site& site = r.site;
    switch (s_.kind) {
      case Selector::Kind::all:
        return true;
      case Selector::Kind::name: {
        if (std::strcmp(site.name, s_.text) == 0 || std::strcmp(site.mangled, s_.text) == 0) return true;
        const std::size_t n = std::strlen(s_.text);
        return std::strncmp(site.name, s_.text, n) == 0 && site.name[n] == '(';
      }
      case Selector::Kind::regex:
        return ::regexec(&re_, display_name(site), 0, nullptr, 0) == 0;
      case Selector::Kind::module_regex:
        return ::regexec(&re_, site.module, 0, nullptr, 0) == 0;
      case Selector::Kind::address:
        return site.address == s_.address ||
               (r.symbol_start != 0 && s_.address >= r.symbol_start && s_.address < r.symbol_end);
    }
    return false;
  }

 private:
  Selector s_;
  regex_t re_{};
  bool compiled_ = false;
  bool ok_ = false;
};

// ---- patching ---------------------------------------------------------------

// The site's stub (CodePatch.hpp site stubs), placed near its module and
// jumping straight to the fused path's stub entry (which goes the generic
// way while the path is off), else to the arch's stub entry -- through a
// veneer when that is out of reach; false (no stub: the site is called as
// usual) when it cannot be made.
bool make_stub(SiteRecord& r) {
  const patch::ModuleImage& image = *sites().module(r.module).image;
  const void* fused = __atomic_load_n(&ariadne_trace_fused_stub, __ATOMIC_ACQUIRE);
  const std::uintptr_t entry =
      fused != nullptr ? reinterpret_cast<std::uintptr_t>(fused) : arch::site_stub_entry();
  std::uintptr_t target = entry;
  if (!arch::call_reaches(r.site.address, target)) target = state().veneers.veneer_for(image, entry);
  if (target == 0) return false;
  struct Code {
    std::uintptr_t record, target;
  } code{reinterpret_cast<std::uintptr_t>(&r), target};
  const std::uintptr_t stub = state().veneers.place(
      image, arch::site_stub_size(),
      [](std::byte* at, void* ctx) {
        const auto* c = static_cast<const Code*>(ctx);
        return arch::write_site_stub(at, c->record, c->target);
      },
      &code);
  // Kept only if the sled reaches it (the pool places code within reach of
  // every site of the module; this is the check that it did).
  if (stub == 0 || !arch::call_reaches(r.site.address, stub)) return false;
  r.stub = stub;
  return true;
}

// Flips `changes` (already marked in their records) in one batch per call.
void patch_sites(const std::vector<SiteRecord*>& changes) {
  if (changes.empty()) return;
  SiteTable& t = sites();
  std::vector<arch::Toggle> batch;
  batch.reserve(changes.size());
  // While a fused path with a stub entry is on, sites are enabled through
  // site stubs where the architecture has them (CodePatch.hpp); a site keeps
  // its stub, and it keeps working when the path is turned off.
  const bool stubs =
      arch::site_stub_size() != 0 && __atomic_load_n(&ariadne_trace_fused_stub, __ATOMIC_ACQUIRE) != nullptr;
  for (SiteRecord* r : changes) {
    const std::uintptr_t site = r->site.address;
    std::uintptr_t target = 0;
    if (r->enabled.load(std::memory_order_relaxed) && stubs && (r->stub != 0 || make_stub(*r))) {
      batch.push_back({site, r->stub, /*jump=*/true});
      continue;
    }
    if (r->enabled.load(std::memory_order_relaxed)) {
      target = kEntryTrampoline;
      if (!arch::call_reaches(site, target)) {
        std::string why;
        target = state().veneers.veneer_for(*t.module(r->module).image, kEntryTrampoline, &why);
        if (target == 0) {
          say(why);
          r->enabled.store(false, std::memory_order_relaxed);
          continue;
        }
      }
    }
    batch.push_back({site, target});
  }
  const patch::WriteResult result = state().writer.apply(batch);
  if (!result.ok) {
    say(result.error);
    for (SiteRecord* r : changes) r->enabled.store(false, std::memory_order_relaxed);
  }
}

// Pinned: mutes or unmutes the patched sites `s` matches.
long change_pinned(const Selector& s, bool enable) {
  Matcher m(s);
  if (!m.ok()) return -1;
  SiteTable& t = sites();
  long changed = 0;
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    ModuleRecord& mod = t.module(i);
    if (!mod.live.load(std::memory_order_relaxed)) continue;
    for (std::size_t k = 0; k < mod.count; ++k) {
      SiteRecord& r = mod.sites[k];
      if (!r.enabled.load(std::memory_order_relaxed) || r.muted.load(std::memory_order_relaxed) != enable ||
          !m.matches(r))
        continue;
      r.muted.store(!enable, std::memory_order_release);
      ++changed;
    }
  }
  state().rules.push_back({s.kind, s.text ? s.text : "", s.address, enable, true});
  return changed;
}

long change(const Selector& s, bool enable, bool remember) {
  if (state().pinned) return change_pinned(s, enable);
  Matcher m(s);
  if (!m.ok()) return -1;
  SiteTable& t = sites();
  std::vector<SiteRecord*> changes;
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    ModuleRecord& mod = t.module(i);
    if (!mod.live.load(std::memory_order_relaxed)) continue;
    for (std::size_t k = 0; k < mod.count; ++k) {
      SiteRecord& r = mod.sites[k];
      if (r.enabled.load(std::memory_order_relaxed) == enable || !m.matches(r)) continue;
      // The flag first: a call that reaches the trampoline sees it set.
      r.enabled.store(enable, std::memory_order_release);
      changes.push_back(&r);
    }
  }
  patch_sites(changes);
  if (remember) state().rules.push_back({s.kind, s.text ? s.text : "", s.address, enable, false});
  return static_cast<long>(changes.size());
}

// New sites follow the rules made so far, in order.
void apply_rules(std::size_t module) {
  SiteTable& t = sites();
  ModuleRecord& mod = t.module(module);
  std::vector<bool> want(mod.count, false);
  std::vector<bool> traced(mod.count, false);  // pinned: unmuted
  for (const Rule& rule : state().rules) {
    Selector s{rule.kind, rule.text.c_str(), rule.address};
    Matcher m(s);
    if (!m.ok()) continue;
    for (std::size_t k = 0; k < mod.count; ++k) {
      if (m.matches(mod.sites[k])) (rule.after_pin ? traced : want)[k] = rule.enable;
    }
  }
  std::vector<SiteRecord*> changes;
  for (std::size_t k = 0; k < mod.count; ++k) {
    if (state().pinned) mod.sites[k].muted.store(!traced[k], std::memory_order_relaxed);
    if (!want[k]) continue;
    mod.sites[k].enabled.store(true, std::memory_order_release);
    changes.push_back(&mod.sites[k]);
  }
  patch_sites(changes);
}

// The program's path as the scanner names it (/proc/self/exe's target).
const std::string& program_path() {
  static const std::string& path = *[] {  // never destroyed (see state())
    char buf[4096];
    const long n = sys_readlink("/proc/self/exe", buf, sizeof buf - 1);
    return new std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }();
  return path;
}

std::atomic<trace::CodeObserver> g_code_observer{nullptr};

void tell_code_observer(const patch::ModuleImage& image) {
  const trace::CodeObserver observer = g_code_observer.load(std::memory_order_acquire);
  if (observer == nullptr) return;
  for (const patch::ModuleImage::CodeRange& range : image.code)
    observer(image.path.c_str(), range.start, range.end);
}

void add_modules() {
  std::vector<patch::ModuleImage> images = patch::scan_loaded_modules([](const patch::ModuleImage& m) {
    return known(m.path.c_str(), m.bias) || is_runtime(m.lowest, m.highest);
  });
  // Calls into these are traced by their own sleds, not as library calls.
  const InstrumentedTest instrumented = [&images](std::uintptr_t address) {
    for (const patch::ModuleImage& m : images)
      if (!m.skip && !m.sites.empty() && address >= m.lowest && address < m.highest) return true;
    const SiteTable& t = sites();
    for (std::size_t i = 0; i < t.module_count(); ++i) {
      const ModuleRecord& m = t.module(i);
      if (m.live.load(std::memory_order_relaxed) && address >= m.image->lowest && address < m.image->highest)
        return true;
    }
    return false;
  };
  const bool libcalls = libcalls_wanted();
  for (patch::ModuleImage& image : images) {
    // Libraries without patch sites are the norm (libc...); the program
    // itself without them is worth saying.
    const bool routine = !image.instrumented && (image.path != program_path() ||
                                                 g_program_note_routine.load(std::memory_order_relaxed));
    // One line per problem.
    for (std::size_t at = 0; at < image.problem.size();) {
      std::size_t nl = image.problem.find('\n', at);
      if (nl == std::string::npos) nl = image.problem.size();
      note_problem(image.problem.substr(at, nl - at).c_str(), routine);
      at = nl + 1;
    }
    if (image.skip || image.sites.empty()) {
      state().skipped.emplace_back(image.path, image.bias);
      continue;
    }
    const patch::WriteResult prepared = state().writer.prepare(image);
    if (!prepared.ok) {
      note_problem((image.path + ": " + prepared.error + ": not traced").c_str());
      state().skipped.emplace_back(image.path, image.bias);
      continue;
    }
    if (libcalls) add_libcall_sites(image, state().veneers, instrumented);
    auto* kept = new patch::ModuleImage(std::move(image));
    const long index = sites().add_module(kept);
    if (index < 0) {
      note_problem((kept->path + ": too many modules or sites: not traced").c_str());
      continue;
    }
    apply_rules(static_cast<std::size_t>(index));
    tell_code_observer(*kept);
    for (const auto& slot : g_module_observers) {
      if (ModuleObserver observer = slot.load(std::memory_order_acquire); observer != nullptr)
        observer(static_cast<std::size_t>(index));
    }
  }
}

}  // namespace

void note_problem(const char* line, bool routine) noexcept {
  TracerState& s = state();
  s.diagnostics += line;
  s.diagnostics += '\n';
  if (!routine || s.verbose) say(line);
}

void set_error(const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(thread_state().error, sizeof thread_state().error, fmt, ap);
  va_end(ap);
}

void ensure_initialized() noexcept {
  if (g_initialized.load(std::memory_order_acquire) == 2) return;
  Guard g;
  if (g_initialized.load(std::memory_order_relaxed) != 0) return;  // done, or re-entered from within
  g_initialized.store(1, std::memory_order_relaxed);
  const char* verbose = std::getenv("ARIADNE_TRACE_VERBOSE");
  state().verbose = verbose != nullptr && verbose[0] == '1';
  start_signal_broker();
  init_stack_regions();
  // fork() while another thread is in a batch must not leave the child's
  // lock held forever: the forking thread takes it around the fork.
  pthread_atfork([] { pthread_mutex_lock(&g_lock); }, [] { pthread_mutex_unlock(&g_lock); },
                 [] { pthread_mutex_unlock(&g_lock); });
  add_modules();
  g_initialized.store(2, std::memory_order_release);
}

// Under the lock (a CodeObserver's caller holds it).
std::uintptr_t place_code(std::uintptr_t address, std::size_t size, trace::CodePlacer write, void* ctx) {
  for (std::size_t i = 0; i < sites().module_count(); ++i) {
    const ModuleRecord& m = sites().module(i);
    if (!m.live.load(std::memory_order_acquire) || m.image == nullptr) continue;
    if (address < m.image->lowest || address >= m.image->highest) continue;
    return state().veneers.place(*m.image, size, write, ctx);
  }
  return 0;
}

bool add_module_observer(ModuleObserver observer) noexcept {
  for (auto& slot : g_module_observers) {
    ModuleObserver empty = nullptr;
    if (slot.compare_exchange_strong(empty, observer, std::memory_order_acq_rel)) return true;
  }
  return false;
}

void leave_uninstrumented_program_to_launcher() noexcept {
  g_program_note_routine.store(true, std::memory_order_relaxed);
}

void modules_added() noexcept {
  if (g_initialized.load(std::memory_order_acquire) != 2) return;
  Guard g;
  add_modules();
}

void lock_modules() noexcept { pthread_mutex_lock(&g_lock); }

void modules_removed_and_unlock() noexcept {
  // Which tracked modules are still loaded?
  struct Live {
    std::vector<std::pair<std::string, std::uintptr_t>> modules;
  } live;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        static_cast<Live*>(data)->modules.emplace_back(info->dlpi_name ? info->dlpi_name : "",
                                                       info->dlpi_addr);
        return 0;
      },
      &live);
  auto present = [&](const std::string& path, std::uintptr_t bias) {
    for (const auto& [p, b] : live.modules) {
      if (b == bias && (p == path || p.empty())) return true;  // "": the program
    }
    return false;
  };
  SiteTable& t = sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    ModuleRecord& m = t.module(i);
    if (!m.live.load(std::memory_order_relaxed) || present(m.image->path, m.image->bias)) continue;
    t.retire_module(i);
    state().veneers.release(*m.image);
    for (std::size_t k = 0; k < m.count; ++k) m.sites[k].stub = 0;  // their pages are gone
  }
  auto& skipped = state().skipped;
  skipped.erase(std::remove_if(skipped.begin(), skipped.end(),
                               [&](const auto& s) { return !present(s.first, s.second); }),
                skipped.end());
  pthread_mutex_unlock(&g_lock);
}

}  // namespace ariadne::trace::detail

// ---- the public API (trace.hpp) -----------------------------------------------

namespace ariadne::trace {

using namespace detail;

namespace {
std::atomic<const FusedPath*> g_fused_path{nullptr};

// The fused path off (entry first: no new call starts on it; calls in
// flight may still leave through it, which is equivalent).
void stop_fused_path() {
  __atomic_store_n(&ariadne_trace_fused_entry, nullptr, __ATOMIC_SEQ_CST);
  __atomic_store_n(&ariadne_trace_fused_stub, nullptr, __ATOMIC_SEQ_CST);
  __atomic_store_n(&ariadne_trace_fused_exit, nullptr, __ATOMIC_SEQ_CST);
}

// Under the lock: on exactly when the tables hold the fused pair alone.
void update_fused_path() {
  const FusedPath* path = g_fused_path.load(std::memory_order_acquire);
  bool only_pair = path != nullptr;
  int entries = 0, exits = 0;
  for (int i = 0; only_pair && i < kMaxHandlers; ++i) {
    void* e = handlers().entry[i].fn.load(std::memory_order_relaxed);
    void* x = handlers().exit[i].fn.load(std::memory_order_relaxed);
    if (e != nullptr && (e != reinterpret_cast<void*>(path->entry) || ++entries > 1)) only_pair = false;
    if (x != nullptr && (x != reinterpret_cast<void*>(path->exit) || ++exits > 1)) only_pair = false;
  }
  // An entry-only path (a tick handler's) stands for one entry handler and
  // no exit handler at all.
  const int pair_exits = path != nullptr && path->exit != nullptr ? 1 : 0;
  if (!only_pair || entries != 1 || exits != pair_exits) {
    stop_fused_path();
    return;
  }
  __atomic_store_n(&ariadne_trace_fused_exit, path->exit_code, __ATOMIC_SEQ_CST);
  __atomic_store_n(&ariadne_trace_fused_stub, path->stub_entry_code, __ATOMIC_SEQ_CST);
  __atomic_store_n(&ariadne_trace_fused_entry, path->entry_code, __ATOMIC_SEQ_CST);
}

// Under the lock, after any change of the tables.
void update_frame_kind() {
  bool lean = true;
  for (const HandlerSlot* table : {handlers().entry, handlers().exit}) {
    for (int i = 0; i < kMaxHandlers; ++i) {
      if (table[i].fn.load(std::memory_order_relaxed) != nullptr && !table[i].lean) lean = false;
    }
  }
  __atomic_store_n(&ariadne_trace_lean_frames, static_cast<unsigned char>(lean), __ATOMIC_RELEASE);
  update_fused_path();
}

int add_handler(HandlerSlot (&table)[kMaxHandlers], std::atomic<int>& used, void* fn, void* user, int base,
                unsigned flags) {
  ensure_initialized();
  Guard g;
  for (int i = 0; i < kMaxHandlers; ++i) {
    if (table[i].fn.load(std::memory_order_relaxed) != nullptr) continue;
    table[i].user = user;
    table[i].lean = (flags & kHandlerLean) != 0;
    // A full-frame handler turns full frames on before it can run.
    if (!table[i].lean) __atomic_store_n(&ariadne_trace_lean_frames, 0, __ATOMIC_SEQ_CST);
    // Nor may the fused path hide calls from it.
    stop_fused_path();
    table[i].fn.store(fn, std::memory_order_release);
    if (used.load(std::memory_order_relaxed) <= i) used.store(i + 1, std::memory_order_release);
    update_frame_kind();
    return base + i;
  }
  return -1;
}
}  // namespace

int add_entry_handler(EntryHandler h, void* user, unsigned flags) noexcept {
  return add_handler(handlers().entry, handlers().entry_used, reinterpret_cast<void*>(h), user, 0, flags);
}

int add_exit_handler(ExitHandler h, void* user, unsigned flags) noexcept {
  const int id = add_handler(handlers().exit, handlers().exit_used, reinterpret_cast<void*>(h), user,
                             kMaxHandlers, flags);
  if (id >= 0) handlers().exit_handlers.fetch_add(1, std::memory_order_acq_rel);
  return id;
}

int add_entry_handler(EntryHandler h, void* user) noexcept {
  return add_entry_handler(h, user, kHandlerFullFrame);
}

int add_exit_handler(ExitHandler h, void* user) noexcept {
  return add_exit_handler(h, user, kHandlerFullFrame);
}

// src/arch/<arch>/tick_path.S.
extern "C" __attribute__((visibility("hidden"))) const char ariadne_tick_fused_entry[];

int add_tick_handler(EntryHandler h, void* user) noexcept {
  static FusedPath tick_path{};
  const int id = add_entry_handler(h, user, kHandlerLean);
  if (id < 0) return id;
  handlers().tick_user = user;
  handlers().tick.store(h, std::memory_order_release);
  tick_path = FusedPath{h, nullptr, ariadne_tick_fused_entry, nullptr, nullptr};
  detail::set_fused_path(&tick_path);
  return id;
}

void detail::set_fused_path(const FusedPath* path) noexcept {
  Guard g;
  stop_fused_path();
  g_fused_path.store(path, std::memory_order_release);
  update_fused_path();
}

void remove_handler(int id) noexcept {
  Guard g;
  if (id >= 0 && id < kMaxHandlers) {
    handlers().entry[id].fn.store(nullptr, std::memory_order_release);
  } else if (id >= kMaxHandlers && id < 2 * kMaxHandlers) {
    if (handlers().exit[id - kMaxHandlers].fn.exchange(nullptr, std::memory_order_acq_rel) != nullptr) {
      handlers().exit_handlers.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
  update_frame_kind();
}

long enable(Selector s) noexcept {
  ensure_initialized();
  Guard g;
  return change(s, true, true);
}

long disable(Selector s) noexcept {
  ensure_initialized();
  Guard g;
  return change(s, false, true);
}

bool is_enabled(const Site& s) noexcept {
  SiteRecord* r = sites().by_id(s.id);
  return r != nullptr && r->enabled.load(std::memory_order_acquire) &&
         !r->muted.load(std::memory_order_acquire);
}

void detail::pin_sites() noexcept {
  ensure_initialized();
  Guard g;
  if (state().pinned) return;
  SiteTable& t = sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    ModuleRecord& mod = t.module(i);
    for (std::size_t k = 0; k < mod.count; ++k) mod.sites[k].muted.store(true, std::memory_order_release);
  }
  state().pinned = true;
}

std::size_t site_count() noexcept {
  ensure_initialized();
  return sites().site_count();
}

const Site* site(std::size_t id) noexcept {
  ensure_initialized();
  SiteRecord* r = sites().by_id(id);
  return r ? &r->site : nullptr;
}

const Site* find_site(std::uintptr_t address) noexcept {
  ensure_initialized();
  SiteRecord* r = sites().find_covering(address);
  return r ? &r->site : nullptr;
}

long for_each_site(Selector s, void (*fn)(const Site&, void*), void* user) noexcept {
  ensure_initialized();
  Guard g;
  Matcher m(s);
  if (!m.ok()) return -1;
  long n = 0;
  SiteTable& t = sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    ModuleRecord& mod = t.module(i);
    if (!mod.live.load(std::memory_order_relaxed)) continue;
    for (std::size_t k = 0; k < mod.count; ++k) {
      if (!m.matches(mod.sites[k])) continue;
      fn(mod.sites[k].site, user);
      ++n;
    }
  }
  return n;
}

std::uint64_t thread_ticks() noexcept { return thread_state().ticks; }
void set_tick_budget(const std::uint64_t* budget) noexcept { thread_state().tick_budget = budget; }
std::uintptr_t last_entry_site() noexcept { return thread_state().last_entry; }
std::uint64_t count_tick() noexcept { return ++thread_state().ticks; }

bool set_code_observer(CodeObserver observer) noexcept {
  ensure_initialized();
  Guard g;
  CodeObserver none = nullptr;
  if (observer == nullptr || !g_code_observer.compare_exchange_strong(none, observer)) return false;
  SiteTable& t = sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    const ModuleRecord& m = t.module(i);
    if (m.live.load(std::memory_order_acquire) && m.image != nullptr) tell_code_observer(*m.image);
  }
  return true;
}

std::uintptr_t place_code_near(std::uintptr_t address, std::size_t size, CodePlacer write,
                               void* ctx) noexcept {
  return place_code(address, size, write, ctx);
}

const char* error() noexcept { return thread_state().error; }

const char* diagnostics() noexcept {
  ensure_initialized();
  Guard g;
  return state().diagnostics.c_str();
}

}  // namespace ariadne::trace
