/* insn_count: a QEMU TCG plugin (API version 1, QEMU 7.2 user mode) that
 * counts executed guest instructions, for the whole run and for the regions a
 * guest brackets with insn_marker.h markers.
 *
 *   qemu-aarch64 -plugin libinsn_count.so,out=FILE prog args...
 *
 * Options (comma-separated after the library path):
 *   out=FILE    write the result there (default: qemu_plugin_outs, which QEMU
 *               prints only with `-d plugin`)
 *   atomic=on   count with an atomic add from a callback instead of QEMU's
 *               inline add: slower, but exact when several guest threads run
 *               at once (inline ops are not atomic across vCPUs)
 *
 * Result, one "key value" per line: total, region, regions (the number of
 * completed BEGIN..END pairs), unmatched (markers out of order).
 *
 * Why per translation block: QEMU adds the block's instruction count when the
 * block starts executing. Every syscall instruction ends a block, so at a
 * marker the counter holds exactly the instructions executed so far,
 * including the syscall instruction itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "insn_marker.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = ARIADNE_QEMU_PLUGIN_VERSION;

static uint64_t insns;        /* every guest instruction executed */
static uint64_t region_start; /* insns at the last BEGIN marker */
static int in_region;
static uint64_t region_insns; /* sum over completed regions */
static uint64_t regions;
static uint64_t unmatched;
static int use_atomic;
static char out_path[4096];

static void tb_exec_atomic(unsigned int vcpu_index, void* n_insns) {
  (void)vcpu_index;
  __atomic_fetch_add(&insns, (uint64_t)(uintptr_t)n_insns, __ATOMIC_RELAXED);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  if (use_atomic)
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_atomic, QEMU_PLUGIN_CB_NO_REGS, (void*)(uintptr_t)n);
  else
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, n);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
  (void)id, (void)vcpu_index, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7, (void)a8;
  if (num != ARIADNE_INSN_MARK_SYSCALL) return;
  uint64_t now = __atomic_load_n(&insns, __ATOMIC_RELAXED);
  if (a1 == ARIADNE_INSN_MARK_BEGIN && !in_region) {
    region_start = now;
    in_region = 1;
  } else if (a1 == ARIADNE_INSN_MARK_END && in_region) {
    region_insns += now - region_start;
    regions++;
    in_region = 0;
  } else {
    unmatched++;
  }
}

static void at_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id, (void)userdata;
  char buf[256];
  snprintf(buf, sizeof buf,
           "total %" PRIu64 "\nregion %" PRIu64 "\nregions %" PRIu64 "\nunmatched %" PRIu64 "\n", insns,
           region_insns, regions, unmatched + (uint64_t)in_region);
  if (out_path[0]) {
    FILE* f = fopen(out_path, "w");
    if (f) {
      fputs(buf, f);
      fclose(f);
      return;
    }
    fprintf(stderr, "insn_count: cannot write %s\n", out_path);
  }
  qemu_plugin_outs(buf);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0 && strlen(argv[i] + 4) < sizeof out_path) {
      strcpy(out_path, argv[i] + 4);
    } else if (strcmp(argv[i], "atomic=on") == 0) {
      use_atomic = 1;
    } else if (strcmp(argv[i], "atomic=off") == 0) {
      use_atomic = 0;
    } else {
      fprintf(stderr, "insn_count: unknown option '%s' (out=FILE, atomic=on|off)\n", argv[i]);
      return 1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
  qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
