// Linked into the instrumented fiber torture test (abi_torture) only. The
// torture test allocates its fiber stacks with new[], so they all sit in the
// heap's one mapping; the trace runtime tells machine stacks apart by mapping
// (docs/trace.md, Limits) and would pair a return on one fiber's stack with a
// call on another's. Here every new[] of a stack's size gets a mapping of its
// own behind a guard page, as Ariadne's fiber stacks have; the test itself is
// unchanged.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kStackSize = 64 * 1024;  // torture_test.cpp's kStackSize
constexpr std::size_t kGuard = 64 * 1024;      // a page on every host page size
constexpr std::uint64_t kMagic = 0xab1c4ec5'7ac50000u;

struct Header {  // the last bytes of the guard's neighbour: where the mapping starts
  std::uint64_t magic;
  void* base;
};

}  // namespace

void* operator new[](std::size_t size) {
  if (size != kStackSize) {
    if (void* p = std::malloc(size + 16)) {
      static_cast<Header*>(p)->magic = 0;
      return static_cast<char*>(p) + 16;
    }
    throw std::bad_alloc();
  }
  const std::size_t total = kGuard + 16 + size;
  void* base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(base, kGuard, PROT_NONE);
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(base) + kGuard);
  *h = {kMagic, base};
  return h + 1;
}

void operator delete[](void* p) noexcept {
  if (p == nullptr) return;
  auto* h = static_cast<Header*>(p) - 1;
  if (h->magic == kMagic) {
    ::munmap(h->base, kGuard + 16 + kStackSize);
    return;
  }
  std::free(h);
}

void operator delete[](void* p, std::size_t) noexcept { operator delete[](p); }
