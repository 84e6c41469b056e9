// A fiber stack: an mmap'd region with a PROT_NONE guard page below it, so
// running off the end faults instead of silently overwriting a neighbour.
// The guard is registered with the overflow detector (StackOverflow.hpp)
// under the owner's name for as long as the Stack lives. A Stack can be
// handed to another owner (StackPool.hpp): the mapping and guard stay, the
// overflow report and the tracer learn the new owner.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ariadne::fiber {

class Stack {
 public:
  // `size` is the usable size, rounded up to whole pages. Throws
  // std::system_error if the mapping fails.
  Stack(std::string owner, std::size_t size);
  ~Stack();
  Stack(Stack&& other) noexcept;
  Stack& operator=(Stack&& other) noexcept;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  void* top() const { return static_cast<char*>(base_) + guard_ + size_; }
  std::size_t size() const { return size_; }
  const std::string& owner() const { return owner_; }
  const void* guard_begin() const { return base_; }
  const void* guard_end() const { return static_cast<char*>(base_) + guard_; }

  // The stack now belongs to `owner`: an overflow names it, and the tracer
  // (when loaded) forgets the calls the previous owner left on the stack.
  // Only while no code runs on the stack.
  void reassign(std::string_view owner);
  // Gives the usable pages back to the kernel (MADV_DONTNEED): they read as
  // zeros at the next touch. The mapping and the guard stay. Only while no
  // code runs on the stack.
  void release_pages() noexcept;

 private:
  void release() noexcept;

  std::string owner_;
  void* base_ = nullptr;  // start of the mapping = start of the guard page
  std::size_t guard_ = 0;
  std::size_t size_ = 0;
  int registration_ = -1;  // slot in the overflow registry
};

}  // namespace ariadne::fiber
