// See CodeWriter.hpp. The page ranges of a batch are computed from the
// sorted sites (a sled may straddle a page boundary on x86-64) and merged
// when they touch, so a batch over one module costs a handful of mprotects.
#include "patch/CodeWriter.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::patch {
namespace {

struct PageRange {
  std::uintptr_t start;
  std::uintptr_t end;
};

std::uintptr_t page_size() {
  static const std::uintptr_t size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// `sites` sorted ascending; merges the pages each sled touches.
template <typename Addresses>
std::vector<PageRange> page_ranges(const Addresses& sites) {
  std::vector<PageRange> ranges;
  const std::uintptr_t mask = ~(page_size() - 1);
  for (std::uintptr_t site : sites) {
    const std::uintptr_t start = site & mask;
    const std::uintptr_t end = (site + arch::sled_size() + page_size() - 1) & mask;
    if (!ranges.empty() && start <= ranges.back().end)
      ranges.back().end = std::max(ranges.back().end, end);
    else
      ranges.push_back({start, end});
  }
  return ranges;
}

std::string mprotect_error(const PageRange& range, const char* protection, int error) {
  char text[160];
  std::snprintf(text, sizeof text, "mprotect(0x%lx, %lu, %s) failed: %s (errno %d)",
                static_cast<unsigned long>(range.start), static_cast<unsigned long>(range.end - range.start),
                protection, std::strerror(error), error);
  return text;
}

bool protect(const PageRange& range, int protection, const char* name, WriteResult& result) {
  const int rc = sys_mprotect(reinterpret_cast<void*>(range.start), range.end - range.start, protection);
  if (rc == 0) return true;
  const int error = -rc;
  result.ok = false;
  if (!result.error.empty()) result.error += '\n';
  result.error += mprotect_error(range, name, error);
  return false;
}

constexpr int kWritable = PROT_READ | PROT_WRITE | PROT_EXEC;
constexpr int kExecutable = PROT_READ | PROT_EXEC;

}  // namespace

WriteResult CodeWriter::prepare(ModuleImage& module) {
  WriteResult result;
  if (module.skip) return result;
  std::vector<std::uintptr_t> pristine;
  for (const SiteSymbol& site : module.sites) {
    if (arch::classify(reinterpret_cast<const std::byte*>(site.address), nullptr) ==
        arch::SledState::pristine)
      pristine.push_back(site.address);
  }
  std::sort(pristine.begin(), pristine.end());  // module.sites is sorted; cheap insurance
  auto next = pristine.begin();
  for (const PageRange& range : page_ranges(pristine)) {
    auto first = next;
    while (next != pristine.end() && *next < range.end) ++next;
    if (!protect(range, kWritable, "RWX", result)) continue;  // those sites stay pristine
    for (auto site = first; site != next; ++site) {
      arch::write_prepared(reinterpret_cast<std::byte*>(*site));
      ++result.written;
    }
    protect(range, kExecutable, "R-X", result);
  }
  return result;
}

WriteResult CodeWriter::apply(std::span<const arch::Toggle> batch) {
  WriteResult result;
  if (batch.empty()) return result;
  auto by_site = [](const arch::Toggle& a, const arch::Toggle& b) { return a.site < b.site; };
  std::vector<arch::Toggle> sorted;
  std::span<const arch::Toggle> ordered = batch;
  if (!std::is_sorted(batch.begin(), batch.end(), by_site)) {
    sorted.assign(batch.begin(), batch.end());
    std::sort(sorted.begin(), sorted.end(), by_site);
    ordered = sorted;
  }
  std::vector<std::uintptr_t> sites;
  sites.reserve(ordered.size());
  for (const arch::Toggle& toggle : ordered) sites.push_back(toggle.site);
  const std::vector<PageRange> ranges = page_ranges(sites);

  std::size_t opened = 0;
  for (; opened < ranges.size(); ++opened) {
    if (!protect(ranges[opened], kWritable, "RWX", result)) break;
  }
  if (opened == ranges.size()) {
    arch::toggle_live(ordered);
    result.written = ordered.size();
  }
  for (std::size_t i = 0; i < opened; ++i) protect(ranges[i], kExecutable, "R-X", result);
  return result;
}

}  // namespace ariadne::patch
