#include "fiber/Stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "ariadne/trace.hpp"
#include "fiber/StackOverflow.hpp"

namespace ariadne::fiber {

namespace {
std::size_t page_size() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
}  // namespace

Stack::Stack(std::string owner, std::size_t size) : owner_(std::move(owner)) {
  const std::size_t page = page_size();
  guard_ = page;
  size_ = (size + page - 1) / page * page;
  if (size_ == 0) size_ = page;
  // MAP_NORESERVE: stacks are mostly untouched; commit on first use.
  void* p = mmap(nullptr, guard_ + size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap fiber stack");
  if (mprotect(p, guard_, PROT_NONE) != 0) {
    const int err = errno;
    munmap(p, guard_ + size_);
    throw std::system_error(err, std::generic_category(), "mprotect fiber guard page");
  }
  base_ = p;
  registration_ = register_guard(guard_begin(), guard_end(), owner_.c_str(), size_);
  // Under Ariadne's tracer (a no-op otherwise): the tracer knows the stack
  // without reading /proc/self/maps at its first call.
  ariadne::trace::register_stack(guard_end(), top());
}

void Stack::reassign(std::string_view owner) {
  owner_.assign(owner);
  if (registration_ >= 0) rename_guard(registration_, owner_.c_str());
  // Registered again with the same bounds: the runtime's shadow stack for
  // it starts empty, so the new fiber cannot inherit the old one's entries.
  ariadne::trace::register_stack(guard_end(), top());
}

void Stack::release_pages() noexcept {
  if (base_ != nullptr) madvise(const_cast<void*>(guard_end()), size_, MADV_DONTNEED);
}

Stack::~Stack() { release(); }

Stack::Stack(Stack&& other) noexcept
    : owner_(std::move(other.owner_)),
      base_(std::exchange(other.base_, nullptr)),
      guard_(other.guard_),
      size_(other.size_),
      registration_(std::exchange(other.registration_, -1)) {}

Stack& Stack::operator=(Stack&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    base_ = std::exchange(other.base_, nullptr);
    guard_ = other.guard_;
    size_ = other.size_;
    registration_ = std::exchange(other.registration_, -1);
  }
  return *this;
}

void Stack::release() noexcept {
  if (registration_ >= 0) unregister_guard(registration_);
  registration_ = -1;
  if (base_ != nullptr) {
    ariadne::trace::unregister_stack(guard_end());
    munmap(base_, guard_ + size_);
  }
  base_ = nullptr;
}

}  // namespace ariadne::fiber
