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

#include <sys/stat.h>

namespace ariadne::record {

inline constexpr const char* kLinkVariable = "ARIADNE_RECORD_LINK";

// ---- `ariadne record` -------------------------------------------------------

struct LinkEnds {
  int target_end = -1;    // inherited by PROG (close it here once PROG runs)
  int recorder_end = -1;  // close-on-exec; closing it (or dying) tells PROG to stop
};

// Creates a pipe with one end for PROG, moved out of the low fd numbers a
// program may expect free and not close-on-exec, and the other for this
// process, close-on-exec. `target_writes`: PROG gets the write end, and both
// ends are non-blocking (the sites link, SitesLink.hpp). False (errno set)
// on failure.
bool create_link(LinkEnds& ends, bool target_writes) noexcept;
inline bool create_recorder_link(LinkEnds& ends) noexcept { return create_link(ends, false); }

// Asks every recorded process to stop at its threads' next segment.
bool request_stop(int recorder_end) noexcept;

// ---- the runtime --------------------------------------------------------------

// The descriptor the variable `name` holds if it is open and a pipe (its
// device and inode in `st`), else -1.
int pipe_from_environment(const char* name, struct stat& st) noexcept;
// Whether `fd` is still the pipe `st` describes (not closed, nor reused by
// the program for something else).
bool still_the_pipe(int fd, const struct stat& st) noexcept;

// Reads ARIADNE_RECORD_LINK (absent: never stops) and checks that it names
// a pipe. Called at the recorder's start in each image.
void open_link_from_environment() noexcept;

// True once the recorder is gone or asked to stop (then always true). A
// link the program closed or reused for something else counts as absent.
bool recording_stopped() noexcept;

}  // namespace ariadne::record
