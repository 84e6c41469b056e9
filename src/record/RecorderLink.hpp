// The link between `ariadne record` and the processes it records
// (docs/record.md "When the recorder goes"): a pipe whose write end only the
// recorder holds and whose read end PROG inherits (its number in
// ARIADNE_RECORD_LINK; not close-on-exec, so exec'd images and fork children
// have it too). Nothing is ever read from it. The runtime looks at it with a
// zero-timeout poll(2) when a thread needs a new segment: end of file (the
// recorder died, even of SIGKILL) or a byte waiting in it (the recorder asks,
// --max-size) means stop recording. A thread that stops seals its segment
// under its final name and writes nothing more, so a recording whose
// recorder is gone grows by at most the segment each thread is writing.
//
// The runtime half makes its system calls here only (poll, fstat), so the
// raw-syscall layer can take them over in one place. No allocation; errno is
// kept.
#pragma once

namespace ariadne::record {

inline constexpr const char* kLinkVariable = "ARIADNE_RECORD_LINK";

// ---- `ariadne record` -------------------------------------------------------

struct LinkEnds {
  int target_end = -1;    // inherited by PROG (close it here once PROG runs)
  int recorder_end = -1;  // close-on-exec; closing it (or dying) tells PROG to stop
};

// Creates the pipe, the target's end moved out of the low fd numbers a
// program may expect free. False (errno set) on failure.
bool create_recorder_link(LinkEnds& ends) noexcept;

// Asks every recorded process to stop at its threads' next segment.
bool request_stop(int recorder_end) noexcept;

// ---- the runtime --------------------------------------------------------------

// Reads ARIADNE_RECORD_LINK (absent: never stops) and checks that it names
// a pipe. Called at the recorder's start in each image.
void open_link_from_environment() noexcept;

// True once the recorder is gone or asked to stop (then always true). A
// link the program closed or reused for something else counts as absent.
bool recording_stopped() noexcept;

}  // namespace ariadne::record
