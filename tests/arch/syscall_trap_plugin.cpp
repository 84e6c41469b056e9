// dlopen'ed by syscall_trap_test: a module with a `svc #0` of its own (its
// copy of raw_syscall.S), made by its constructor, which runs before dlopen
// returns: the call is trapped only if the module was rewritten before.
#include <sys/syscall.h>

#include "arch/RawSyscall.hpp"

extern "C" {
__attribute__((visibility("default"))) long syscall_trap_plugin_constructed = 0;

__attribute__((visibility("default"))) long syscall_trap_plugin_getppid() {
  return ariadne_raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
}
}

__attribute__((constructor)) static void construct() {
  syscall_trap_plugin_constructed = syscall_trap_plugin_getppid();
}
