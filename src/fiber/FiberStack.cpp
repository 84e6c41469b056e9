#include "fiber/FiberStack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "fiber/FiberControl.hpp"

namespace ariadne::fiber::detail {

void allocate_fiber_stack(FiberControl& f, std::size_t usable) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (usable < 4 * page) usable = 4 * page;
  usable = (usable + page - 1) / page * page;
  const std::size_t total = usable + page;
  // MAP_NORESERVE + lazily faulted pages: a 256 KiB stack costs what it touches.
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Stacks grow down: the guard page is the lowest one.
  if (mprotect(p, page, PROT_NONE) != 0) {
    munmap(p, total);
    throw std::bad_alloc();
  }
  f.mapping = p;
  f.mapping_size = total;
  char* lo = static_cast<char*>(p) + page;
  f.target.stack_bottom = lo;
  f.target.stack_size = usable;
  asan_fresh_stack(lo, usable);
  f.valgrind_id = valgrind_register(lo, lo + usable);
}

void free_fiber_stack(FiberControl& f) noexcept {
  if (!f.mapping) return;
  valgrind_deregister(f.valgrind_id);
  munmap(f.mapping, f.mapping_size);
  f.mapping = nullptr;
}

}  // namespace ariadne::fiber::detail
