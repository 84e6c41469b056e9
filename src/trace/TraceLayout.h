/* Byte offsets of the trace core's per-call state, for the fused paths in
 * assembly (src/arch/<arch>/record_path.S). Dispatch.cpp static_asserts
 * every one against offsetof, so a change to a struct that is not made here
 * too fails the build. The assembler sees the macros only. */
#ifndef ARIADNE_TRACE_TRACE_LAYOUT_H
#define ARIADNE_TRACE_TRACE_LAYOUT_H

/* ThreadState (Handlers.hpp), thread-local symbol ariadne_trace_thread_state. */
#define TS_TICKS 0
#define TS_IN_HANDLER 8
#define TS_STACK_LO 24
#define TS_STACK_HI 32
#define TS_STACK 40
#define TS_FUSED_DATA 48

/* ShadowStack / ShadowEntry (ReturnHooks.hpp). Entries are 1 << SE_SHIFT
 * bytes. */
#define SS_TOP 0
#define SS_CAPACITY 4
#define SS_ENTRIES 64
#define SE_SHIFT 8
#define SE_KEY 0
#define SE_ORIGINAL 8
#define SE_SLOT 16
#define SE_RECORD 24
#define SE_SITE_ID 32
#define SE_FLAGS 36
#define SE_FLAG_BALANCED 4 /* kBalanced */

/* SiteTable (SiteTable.hpp), symbol ariadne_trace_site_table: its index
 * pointer; SiteIndex and its 16-byte slots; SiteRecord. */
#define ST_INDEX 198672
#define SI_SHIFT 0
#define SI_MASK 8
#define SI_SLOTS 24
#define SI_SLOT_PC 0
#define SI_SLOT_RECORD 8
#define SI_HASH 0x9e3779b97f4a7c15
#define SR_ADDRESS 0
#define SR_SITE_ID 32
#define SR_ENABLED 40

#endif
