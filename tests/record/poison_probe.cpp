// Must NOT compile (test record.errno-poison): runtime code that calls a libc
// syscall wrapper after runtime/NoLibcSyscalls.hpp.
#include <sys/mman.h>
#include <unistd.h>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"
// clang-format on

void* runtime_code() {
  (void)::write(2, "x", 1);
  return ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
