#include "fiber/StackPool.hpp"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <utility>

namespace ariadne::fiber {

namespace {

std::atomic<std::uint64_t> g_mapped{0}, g_reused{0}, g_unmapped{0}, g_released{0};

struct SharedCache {
  std::mutex lock;
  StackCache cache{kSharedStacks, kSharedResident};
};

// Never destroyed: a Scheduler destroyed by a static destructor still
// recycles its workers' stacks into it.
SharedCache& shared() {
  static SharedCache* s = new SharedCache;
  return *s;
}

thread_local StackCache t_local{kLocalStacks, kLocalResident};

std::size_t rounded(std::size_t size) {
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  size = (size + page - 1) / page * page;
  return size == 0 ? page : size;
}

}  // namespace

StackCache::StackCache(std::size_t capacity, std::size_t resident)
    : capacity_(capacity), resident_(resident) {
  stacks_.reserve(capacity);
}

bool StackCache::take(std::size_t size, std::optional<Stack>& out) {
  for (std::size_t i = stacks_.size(); i-- > 0;) {
    if (stacks_[i].size() != size) continue;
    out.emplace(std::move(stacks_[i]));
    stacks_.erase(stacks_.begin() + static_cast<std::ptrdiff_t>(i));
    if (i < released_) --released_;
    return true;
  }
  return false;
}

bool StackCache::put(Stack& s) {
  if (stacks_.size() >= capacity_) return false;
  stacks_.push_back(std::move(s));
  if (stacks_.size() - released_ > resident_) {
    stacks_[released_++].release_pages();
    g_released.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void acquire_stack(std::optional<Stack>& slot, std::string_view owner, std::size_t size) {
  size = rounded(size);
  bool cached = t_local.take(size, slot);
  if (!cached) {
    std::lock_guard<std::mutex> l(shared().lock);
    cached = shared().cache.take(size, slot);
  }
  if (!cached) {
    slot.emplace(std::string(owner), size);
    g_mapped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_reused.fetch_add(1, std::memory_order_relaxed);
  slot->reassign(owner);
}

void recycle_stack(Stack&& s) noexcept {
  if (t_local.put(s)) return;
  {
    std::lock_guard<std::mutex> l(shared().lock);
    if (shared().cache.put(s)) return;
  }
  g_unmapped.fetch_add(1, std::memory_order_relaxed);
  Stack gone(std::move(s));  // unmapped here
}

StackPoolStats stack_pool_stats() noexcept {
  return {g_mapped.load(std::memory_order_relaxed), g_reused.load(std::memory_order_relaxed),
          g_unmapped.load(std::memory_order_relaxed), g_released.load(std::memory_order_relaxed)};
}

}  // namespace ariadne::fiber
