// The fiber registry tools/gdb/ariadne-fibers.py reads (`info fibers`,
// `fiber bt N`). C layout on purpose: the debugger reads it from memory by
// symbol name and offsets, without the program's cooperation.
//
//   struct ariadne_fiber_record {       offset (LP64)
//     const char* name;                 0
//     void* saved_ctx;                  8   ariadne_ctx_t while suspended, else 0
//     uint32_t state;                   16  ariadne_fiber_state
//     uint32_t id;                      20
//     ariadne_fiber_record* next;       24
//   };                                  32 bytes
//   struct ariadne_fiber_registry { uint32_t version; uint32_t count;
//                                   ariadne_fiber_record* head; }   (8: head)
//
// The scheduler embeds one record per fiber, registers it when the fiber is
// created and unregisters it before its memory goes away; it stores the
// ariadne_ctx_t returned by each switch into saved_ctx while the fiber is
// suspended (and 0 while it runs: its registers are then the thread's).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ariadne_fiber_state {
  ARIADNE_FIBER_READY = 1,
  ARIADNE_FIBER_RUNNING = 2,
  ARIADNE_FIBER_SUSPENDED = 3,
  ARIADNE_FIBER_DONE = 4,
};

struct ariadne_fiber_record {
  const char* name;
  void* saved_ctx;
  uint32_t state;
  uint32_t id;
  struct ariadne_fiber_record* next;
};

struct ariadne_fiber_registry {
  uint32_t version;  // 1
  uint32_t count;
  struct ariadne_fiber_record* head;
};

extern struct ariadne_fiber_registry ariadne_fiber_registry;

// Thread-safe (a mutex); not for signal handlers.
void ariadne_fiber_register(struct ariadne_fiber_record* rec);
void ariadne_fiber_unregister(struct ariadne_fiber_record* rec);

#ifdef __cplusplus
}
#endif
