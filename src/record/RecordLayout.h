/* The recorder's per-thread state and event encoding as the fused paths in
 * assembly (src/arch/<arch>/record_path.S) see them. Recorder.cpp
 * static_asserts every value against ThreadLog.hpp and Format.hpp. */
#ifndef ARIADNE_RECORD_RECORD_LAYOUT_H
#define ARIADNE_RECORD_RECORD_LAYOUT_H

/* ThreadLog (ThreadLog.hpp); the thread's pointer to it is the trace core's
 * ThreadState::fused_data (TS_FUSED_DATA, src/trace/TraceLayout.h). */
#define TL_POS 0
#define TL_LIMIT 8
#define TL_LAST 16
#define TL_OPEN 24

/* Events (tracefile::Event) and the room the handlers ask for each. */
#define EV_ENTRY 1
#define EV_EXIT 2
#define EV_ENTRY_ROOM 21 /* tag + 2 varints */
#define EV_EXIT_ROOM 11  /* tag + 1 varint */

#endif
