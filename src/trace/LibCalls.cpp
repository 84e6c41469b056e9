// See LibCalls.hpp. A slot still lazy (it points back into the module's
// own .plt: the loader has not bound it yet) is resolved here on the global
// scope, as the loader would bind it (resolve()): the preloaded runtime's
// interposers first, IFUNCs to the implementation the resolver picks.
// Bound slots (BIND_NOW, or already called) keep their target. The GOT of
// a BIND_NOW module lies in PT_GNU_RELRO, read-only by now: it is made
// writable for the store and read-only again.
#include "trace/LibCalls.hpp"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "arch/CodePatch.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {
namespace {

// Functions whose calls are not redirected. Returns-twice functions: their
// second return would go to a return address the first one used up (the
// exit trampoline, its call already closed). Functions that leave by
// jumping or unwinding, and the exception machinery, whose callers' frames
// the unwinder must read unhooked (Unwinding.cpp handles hooked frames from
// __cxa_throw on; a hooked __cxa_throw or _Unwind_Resume would itself be in
// the way). __tls_get_addr is the compiler's, not a call anyone wrote: one
// per access to a dynamic-TLS variable.
bool never_redirected(std::string_view symbol, std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "setjmp",     "_setjmp",       "__sigsetjmp",  "sigsetjmp",         "savectx",        "vfork",
      "__vfork",    "getcontext",    "swapcontext",  "setcontext",        "longjmp",        "_longjmp",
      "siglongjmp", "__longjmp_chk", "pthread_exit", "__libc_start_main", "__tls_get_addr",
  };
  for (std::string_view n : kNames)
    if (symbol == n) return true;
  return symbol.starts_with("__cxa_") || symbol.starts_with("_Unwind_") ||
         name.starts_with("std::__throw_") || name.starts_with("std::rethrow_exception");
}

// Where the loader would bind the slot, or 0. The first object in the
// global scope that defines the symbol wins, and an unversioned definition
// (an interposer: the runtime's dlopen, fork, sigaction; a preloaded
// allocator's malloc) matches any version; dlvsym would skip those (it takes
// only the exact version), so it decides only between the versions of the
// object dlsym found first (memcpy@GLIBC_2.2.5 or @GLIBC_2.14 in libc).
std::uintptr_t resolve(const patch::ModuleImage::PltSlot& slot) {
  void* first = ::dlsym(RTLD_DEFAULT, slot.symbol.c_str());
  if (slot.version.empty() || first == nullptr) return reinterpret_cast<std::uintptr_t>(first);
  void* versioned = ::dlvsym(RTLD_DEFAULT, slot.symbol.c_str(), slot.version.c_str());
  Dl_info a{}, b{};
  const bool same_object = versioned != nullptr && ::dladdr(first, &a) != 0 && ::dladdr(versioned, &b) != 0 &&
                           a.dli_fbase == b.dli_fbase;
  return reinterpret_cast<std::uintptr_t>(same_object ? versioned : first);
}

// The library the call is shown in, "" when the slot is left alone: one
// bound to the runtime itself is an interposer (dlopen, pthread_create...),
// traced as the function it stands for, named after the library that
// defines it next; the runtime's own API is not a library call.
std::string library_of(const patch::ModuleImage::PltSlot& slot, std::uintptr_t target) {
  Dl_info info{}, runtime{};
  if (::dladdr(reinterpret_cast<void*>(target), &info) == 0 || info.dli_fname == nullptr) return "?";
  if (::dladdr(reinterpret_cast<void*>(&libcalls_wanted), &runtime) == 0 ||
      info.dli_fbase != runtime.dli_fbase)
    return info.dli_fname;
  void* next = ::dlsym(RTLD_NEXT, slot.symbol.c_str());
  if (next == nullptr || ::dladdr(next, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

// One aligned 8-byte store: a thread calling through the slot meanwhile
// takes the old target or the stub, both correct.
bool store_slot(const patch::ModuleImage& image, std::uintptr_t got, std::uintptr_t value) {
  const bool relro = got >= image.relro_start && got < image.relro_end;
  static const auto size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  void* page = reinterpret_cast<void*>(got & ~(size - 1));
  if (relro && sys_mprotect(page, size, PROT_READ | PROT_WRITE) != 0) return false;
  __atomic_store_n(reinterpret_cast<std::uintptr_t*>(got), value, __ATOMIC_RELEASE);
  if (relro) sys_mprotect(page, size, PROT_READ);
  return true;
}

}  // namespace

bool libcalls_wanted() noexcept {
  const char* setting = std::getenv("ARIADNE_LIBCALLS");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return false;
  const char* replay = std::getenv("ARIADNE_REPLAY");
  return replay == nullptr || replay[0] == '\0';
}

std::size_t add_libcall_sites(patch::ModuleImage& image, patch::VeneerPool& pool,
                              const InstrumentedTest& instrumented) {
  std::size_t added = 0;
  for (const patch::ModuleImage::PltSlot& slot : image.plt) {
    if (never_redirected(slot.symbol, slot.name)) continue;
    const std::uintptr_t current =
        __atomic_load_n(reinterpret_cast<std::uintptr_t*>(slot.got), __ATOMIC_ACQUIRE);
    const bool lazy = current >= image.lowest && current < image.highest;
    const std::uintptr_t target = lazy ? resolve(slot) : current;
    if (target == 0 || instrumented(target)) continue;
    std::string library = library_of(slot, target);
    if (library.empty()) continue;
    struct Code {
      std::uintptr_t target;
    } code{target};
    const std::uintptr_t stub = pool.place(
        image, arch::libcall_stub_size(),
        [](std::byte* at, void* ctx) {
          arch::write_libcall_stub(at, static_cast<const Code*>(ctx)->target);
          return true;
        },
        &code);
    if (stub == 0) {
      note_problem((image.path + ": no room near the module for library-call stubs: " + slot.symbol +
                    " and later library calls not traced")
                       .c_str());
      break;
    }
    if (!store_slot(image, slot.got, stub + arch::kLibcallStubEntry)) continue;  // the stub stays unused
    patch::SiteSymbol site;
    site.address = stub + arch::kLibcallStubSite;
    site.name = slot.name;
    site.mangled = slot.symbol;
    site.symbol_start = stub + arch::kLibcallStubEntry;
    site.symbol_end = stub + arch::libcall_stub_size();
    site.library = std::move(library);
    image.sites.push_back(std::move(site));
    ++added;
  }
  if (added != 0)
    std::sort(image.sites.begin(), image.sites.end(),
              [](const patch::SiteSymbol& a, const patch::SiteSymbol& b) { return a.address < b.address; });
  return added;
}

}  // namespace ariadne::trace::detail
