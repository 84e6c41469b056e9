// A fiber stack: an mmap'd region with a PROT_NONE guard page below it, so
// running off the end faults instead of silently overwriting a neighbour.
// The guard is registered with the overflow detector (StackOverflow.hpp)
// under the owner's name for as long as the Stack lives.
#pragma once

#include <cstddef>
#include <string>

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

 private:
  void release() noexcept;

  std::string owner_;
  void* base_ = nullptr;  // start of the mapping = start of the guard page
  std::size_t guard_ = 0;
  std::size_t size_ = 0;
  int registration_ = -1;  // slot in the overflow registry
};

}  // namespace ariadne::fiber
