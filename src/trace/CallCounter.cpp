// A built-in client of the trace API for the environment:
//   ARIADNE_COUNT=<regex>           count calls of the matching functions
//   ARIADNE_COUNT_OUTPUT=<file>     where the counts go at exit (default stderr)
// Output, one line per function with calls, most called first:
//   ariadne-count <calls> <function> <module>
// `ariadne exec` users and the end-to-end tests use it to see exact call
// counts without writing a handler.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ariadne/trace.hpp"
#include "trace/SiteTable.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

constexpr std::size_t kMaxCounted = std::size_t{1} << 22;
std::atomic<std::uint64_t>* g_counts = nullptr;

void count(const Site& site, Frame&, void*) {
  if (site.id < kMaxCounted) g_counts[site.id].fetch_add(1, std::memory_order_relaxed);
}

void report() {
  struct Line {
    std::uint64_t calls;
    const Site* site;
  };
  std::vector<Line> lines;
  const std::size_t n = std::min(site_count(), kMaxCounted);
  for (std::size_t id = 0; id < n; ++id) {
    const std::uint64_t c = g_counts[id].load(std::memory_order_relaxed);
    if (c != 0) lines.push_back({c, site(id)});
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    if (a.calls != b.calls) return a.calls > b.calls;
    return std::string(a.site->name) < std::string(b.site->name);
  });
  std::string text;
  for (const Line& l : lines) {
    char head[32];
    std::snprintf(head, sizeof head, "ariadne-count %llu ", static_cast<unsigned long long>(l.calls));
    text += head;
    text += display_name(*l.site);
    text += ' ';
    text += l.site->module;
    text += '\n';
  }
  const char* out = std::getenv("ARIADNE_COUNT_OUTPUT");
  int fd = STDERR_FILENO;
  if (out != nullptr && out[0] != '\0') fd = sys_open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  sys_write_all(fd, text.data(), text.size());
  if (fd != STDERR_FILENO) sys_close(fd);
}

}  // namespace

void start_call_counter_from_environment() noexcept {
  const char* pattern = std::getenv("ARIADNE_COUNT");
  if (pattern == nullptr || pattern[0] == '\0') return;
  void* p = sys_mmap(nullptr, kMaxCounted * sizeof(std::uint64_t), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return;
  g_counts = static_cast<std::atomic<std::uint64_t>*>(p);
  add_entry_handler(count, nullptr, kHandlerLean);  // reads the site only
  if (enable(by_regex(pattern)) < 0) {
    sys_print(STDERR_FILENO, "ariadne-rt: ARIADNE_COUNT: %s\n", error());
    return;
  }
  std::atexit(report);
}

}  // namespace ariadne::trace::detail
