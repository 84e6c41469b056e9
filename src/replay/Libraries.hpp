// The shared objects of a replayable program, kept with their GNU build-ids
// in the recording's session file (docs/format.md, session_library), so that
// `ariadne replay` refuses other builds of them (docs/replay.md, "Memory").
#pragma once

namespace ariadne::replay {

// Record mode, from the library's constructor (every DT_NEEDED object is
// mapped by then): writes the objects loaded so far, and from now on those
// each dlopen adds.
void record_libraries() noexcept;

}  // namespace ariadne::replay
