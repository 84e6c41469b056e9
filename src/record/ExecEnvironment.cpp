// ExecEnvironment: the program's envp plus the runtime's settings. The
// settings are copied at start-up (a program may rewrite its environment's
// memory, as setproctitle does); merging touches only the stack or one
// anonymous mapping, so it is safe in a vfork child or a signal handler.
#include "record/ExecEnvironment.hpp"

#include <dlfcn.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace ariadne::record {

namespace {

// Variables the runtime reads (ARIADNE_*), and those qemu-user reads when the
// kernel's binfmt handler starts an AArch64 image under it (QEMU_CPU...).
constexpr const char* kCarriedPrefixes[] = {"ARIADNE_", "QEMU_"};
constexpr std::size_t kMaxCarried = 64;
constexpr std::size_t kStorageBytes = 64 * 1024;
constexpr char kPreload[] = "LD_PRELOAD=";
constexpr std::size_t kPreloadLength = sizeof kPreload - 1;
// Under qemu-user the new image's loader is the guest's, but the process the
// kernel starts is qemu, whose own (host) loader would try the guest library
// and print an error: the preload goes to qemu, which sets it for the guest.
constexpr char kQemuSetEnv[] = "QEMU_SET_ENV=";
constexpr char kQemuPreload[] = "QEMU_SET_ENV=LD_PRELOAD=";
constexpr char kUnderQemu[] = "ARIADNE_UNDER_QEMU";  // set by the launcher (src/launch)

char g_storage[kStorageBytes];
std::size_t g_used = 0;
const char* g_carried[kMaxCarried];  // "NAME=value", in g_storage
std::size_t g_carried_count = 0;
const char* g_runtime = nullptr;  // the LD_PRELOAD entry naming libariadne-rt.so
std::size_t g_runtime_length = 0;
bool g_under_qemu = false;

// Copies a (+ b) into g_storage, nul-terminated; nullptr when full.
const char* keep(const char* a, std::size_t na, const char* b = "", std::size_t nb = 0) noexcept {
  if (g_used + na + nb + 1 > kStorageBytes) return nullptr;
  char* s = g_storage + g_used;
  std::memcpy(s, a, na);
  std::memcpy(s + na, b, nb);
  s[na + nb] = '\0';
  g_used += na + nb + 1;
  return s;
}

std::size_t name_length(const char* entry) noexcept {
  const char* eq = std::strchr(entry, '=');
  return eq != nullptr ? static_cast<std::size_t>(eq - entry) : std::strlen(entry);
}

bool starts_with(const char* s, const char* prefix) noexcept {
  return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

bool is_carried_name(const char* entry) noexcept {
  if (g_under_qemu && starts_with(entry, kQemuSetEnv)) return false;  // ours, rebuilt at each exec
  for (const char* prefix : kCarriedPrefixes) {
    if (starts_with(entry, prefix)) return true;
  }
  return false;
}

// The program's entry is replaced by one of ours with the same name.
bool overridden(const char* entry) noexcept {
  if (g_under_qemu && g_runtime != nullptr && starts_with(entry, kQemuSetEnv)) return true;
  const std::size_t n = name_length(entry);
  for (std::size_t i = 0; i < g_carried_count; ++i) {
    if (name_length(g_carried[i]) == n && std::strncmp(g_carried[i], entry, n) == 0) return true;
  }
  return false;
}

bool is_separator(char c) noexcept { return c == ':' || c == ' '; }

// ld.so's LD_PRELOAD list: entries separated by ':' or ' '.
template <typename Visit>
void for_each_preload_entry(const char* list, Visit visit) noexcept {
  const char* p = list;
  while (*p != '\0') {
    while (is_separator(*p)) ++p;
    const char* start = p;
    while (*p != '\0' && !is_separator(*p)) ++p;
    if (p != start && visit(start, static_cast<std::size_t>(p - start))) return;
  }
}

const char* base_name(const char* path, std::size_t n) noexcept {
  const char* base = path;
  for (std::size_t i = 0; i < n; ++i) {
    if (path[i] == '/') base = path + i + 1;
  }
  return base;
}

// The entry of the start-up LD_PRELOAD that loaded this library (same file
// name as the one the loader reports for it). A runtime loaded some other
// way (linked in) is not put into children that did not ask for it.
void capture_runtime_entry() noexcept {
  const char* list = std::getenv("LD_PRELOAD");
  Dl_info info{};
  if (list == nullptr || ::dladdr(reinterpret_cast<void*>(&capture_exec_environment), &info) == 0 ||
      info.dli_fname == nullptr) {
    return;
  }
  const std::size_t own_length = std::strlen(info.dli_fname);
  const char* own = base_name(info.dli_fname, own_length);
  const std::size_t own_base_length = own_length - static_cast<std::size_t>(own - info.dli_fname);
  for_each_preload_entry(list, [&](const char* entry, std::size_t n) {
    const char* base = base_name(entry, n);
    const std::size_t base_length = n - static_cast<std::size_t>(base - entry);
    if (base_length != own_base_length || std::memcmp(base, own, base_length) != 0) return false;
    g_runtime = keep(entry, n);
    g_runtime_length = g_runtime != nullptr ? n : 0;
    return true;
  });
}

// Appends to a buffer sized beforehand.
struct Text {
  char* p;
  void add(const char* s, std::size_t n) noexcept {
    std::memcpy(p, s, n);
    p += n;
  }
  void add(const char* s) noexcept { add(s, std::strlen(s)); }
};

// The entries of an LD_PRELOAD list other than the runtime, ':'-separated.
void add_others(Text& out, const char* list) noexcept {
  bool first = true;
  for_each_preload_entry(list, [&](const char* entry, std::size_t n) {
    if (n == g_runtime_length && std::memcmp(entry, g_runtime, n) == 0) return false;
    if (!first) out.add(":", 1);
    out.add(entry, n);
    first = false;
    return false;
  });
}

}  // namespace

void capture_exec_environment() noexcept {
  const char* under_qemu = std::getenv(kUnderQemu);
  g_under_qemu = under_qemu != nullptr && under_qemu[0] == '1';
  capture_runtime_entry();
  for (char** e = environ; e != nullptr && *e != nullptr && g_carried_count < kMaxCarried; ++e) {
    if (!is_carried_name(*e) || std::strchr(*e, '=') == nullptr) continue;
    const char* copy = keep(*e, std::strlen(*e));
    if (copy != nullptr) g_carried[g_carried_count++] = copy;
  }
}

ExecEnvironment::ExecEnvironment(char* const* envp) noexcept : entries_(const_cast<char**>(envp)) {
  if (g_carried_count == 0 && g_runtime == nullptr) return;
  std::size_t count = 0;
  std::size_t longest = 0;  // of the program's LD_PRELOAD entries
  for (; envp != nullptr && envp[count] != nullptr; ++count) {
    if (starts_with(envp[count], kPreload)) longest = std::max(longest, std::strlen(envp[count]));
  }
  // The runtime's entry (its list, then the program's) and, under qemu, the
  // program's list without the runtime for host programs.
  const std::size_t text = sizeof kQemuPreload + g_runtime_length + 2 * longest + 2;
  const std::size_t pointers = count + g_carried_count + 3;
  char** out = inline_entries_;
  char* buffer = inline_text_;
  if (pointers > kInlineEntries || text > kInlineText) {
    mapping_bytes_ = pointers * sizeof(char*) + text;
    void* m = ::mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    mapping_ = m;
    out = static_cast<char**>(m);
    buffer = static_cast<char*>(m) + pointers * sizeof(char*);
  }
  Text t{buffer};
  std::size_t n = 0;
  const char* theirs = "";  // the program's LD_PRELOAD list: the last one counts, as for ld.so
  for (std::size_t i = 0; i < count; ++i) {
    char* e = envp[i];
    if (overridden(e)) continue;
    if (g_runtime != nullptr && starts_with(e, kPreload)) {
      theirs = e + kPreloadLength;
      continue;
    }
    out[n++] = e;
  }
  for (std::size_t i = 0; i < g_carried_count; ++i) out[n++] = const_cast<char*>(g_carried[i]);
  if (g_runtime != nullptr) {
    out[n++] = t.p;
    t.add(g_under_qemu ? kQemuPreload : kPreload);
    t.add(g_runtime, g_runtime_length);
    char* separator = t.p;
    t.add(":", 1);
    char* others = t.p;
    add_others(t, theirs);
    const bool has_others = t.p != others;
    if (!has_others) t.p = separator;
    t.add("", 1);
    if (g_under_qemu && has_others) {
      // Host programs the image starts (a shell) keep the program's own preloads.
      out[n++] = t.p;
      t.add(kPreload, kPreloadLength);
      add_others(t, theirs);
      t.add("", 1);
    }
  }
  out[n] = nullptr;
  entries_ = out;
}
ExecEnvironment::~ExecEnvironment() {
  if (mapping_ == nullptr) return;
  const int saved_errno = errno;  // the failed exec's, which the caller returns
  ::munmap(mapping_, mapping_bytes_);
  errno = saved_errno;
}

}  // namespace ariadne::record
