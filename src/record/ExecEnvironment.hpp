// What an exec'd or spawned image needs in its environment to load the
// runtime again and keep doing what this one does (recording, counting,
// checking): the LD_PRELOAD entry for libariadne-rt.so and the ARIADNE_*
// and QEMU_* variables this process started with. A program may exec with
// an environment of its own (execle, execve, posix_spawn, or environ after
// clearenv); the interposers in ProcessEvents.cpp hand the kernel that
// environment with these settings added (and stale copies of them replaced).
//
// Captured once at start-up into static storage: the program may later
// change or overwrite its environment, and an exec may run in a vfork child
// or a signal handler, where nothing may be allocated.
#pragma once

#include <cstddef>

namespace ariadne::record {

// Called from the runtime's constructor, before the program can change its
// environment.
void capture_exec_environment() noexcept;

// envp (nullptr: empty) plus the captured settings, built on the stack, or
// in an anonymous mapping when envp is very large. If even that fails, get()
// is envp unchanged: the exec still happens, untraced.
class ExecEnvironment {
 public:
  explicit ExecEnvironment(char* const* envp) noexcept;
  ~ExecEnvironment();
  ExecEnvironment(const ExecEnvironment&) = delete;
  ExecEnvironment& operator=(const ExecEnvironment&) = delete;

  char* const* get() const noexcept { return entries_; }

 private:
  // 256 entries and a 2 KiB LD_PRELOAD cover ordinary programs without a
  // system call; the exec interposers' frames stay small.
  static constexpr std::size_t kInlineEntries = 256;
  static constexpr std::size_t kInlineText = 2048;

  char* inline_entries_[kInlineEntries];
  char inline_text_[kInlineText];
  char** entries_;
  void* mapping_ = nullptr;
  std::size_t mapping_bytes_ = 0;
};

}  // namespace ariadne::record
