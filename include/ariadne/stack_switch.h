/* Telling Ariadne's runtime which stack a thread runs next.
 *
 * A fiber or coroutine library that switches machine stacks calls
 * ariadne_stack_switch(to) on the thread that is about to run `to`, right
 * before the switch (nothing traced may run on that thread between the call
 * and the switch). The recorder (`ariadne record`, docs/record.md) then
 * writes a stack_switch event into the thread's log, so the calls a fiber
 * leaves open when it yields pair with their exits wherever it resumes, and
 * readers draw each fiber as its own timeline. `to` is NULL for the thread's
 * own stack (the one the OS gave it).
 *
 * Each stack owns one ariadne_stack_state, zero-initialised except `id`,
 * which must not change while the stack lives; the runtime keeps its
 * bookkeeping there (no allocation, no lock). Ariadne's fibers
 * (src/fiber/Worker.cpp) do this. The symbol is defined by libariadne-rt.so;
 * a library finds it with dlsym(RTLD_DEFAULT, "ariadne_stack_switch") and
 * calls nothing when it is absent (the program runs without Ariadne). */
#ifndef ARIADNE_STACK_SWITCH_H
#define ARIADNE_STACK_SWITCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ariadne_stack_state {
  uint64_t id;       /* the stack's name in the recording: unique in the process, not 0 */
  uint64_t runs;     /* the runtime's: times the stack was switched to */
  uint32_t open;     /* the runtime's: written calls open on the stack */
  uint32_t depth;    /* the runtime's: calls entered and not left (-D) */
  uint32_t overflow; /* the runtime's: -t entries written at once */
  uint32_t reserved;
};

typedef void (*ariadne_stack_switch_fn)(struct ariadne_stack_state* to);

__attribute__((visibility("default"))) void ariadne_stack_switch(struct ariadne_stack_state* to);

#ifdef __cplusplus
}
#endif

#endif
