/* Region markers for the insn_count QEMU plugin, for guest programs.
 *
 * A marker is a system call with a number no kernel implements: natively (and
 * under QEMU without the plugin) it fails with ENOSYS and costs ~1 syscall;
 * under `qemu-* -plugin libinsn_count.so` the plugin sees it and snapshots its
 * guest-instruction counter. A syscall instruction always ends a QEMU
 * translation block, so the snapshot is exact to the instruction.
 *
 * What lies between two markers besides the measured code (the libc syscall()
 * wrapper's return and entry, the loop control) is a constant; measure with N
 * and 2N iterations and divide the difference by N to remove it.
 */
#ifndef ARIADNE_INSN_MARKER_H
#define ARIADNE_INSN_MARKER_H

#include <sys/syscall.h>
#include <unistd.h>

/* Far above every Linux syscall number on both architectures (< 1000). */
#define ARIADNE_INSN_MARK_SYSCALL 0x41d0
#define ARIADNE_INSN_MARK_BEGIN 1
#define ARIADNE_INSN_MARK_END 2

static inline void ariadne_insn_mark(long what) { (void)syscall(ARIADNE_INSN_MARK_SYSCALL, what); }

#endif
