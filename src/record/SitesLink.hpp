// The sites link: how `ariadne record` and `ariadne abicheck` learn at the
// end of a run whether anything in it was instrumented. They hand PROG the
// write end of a pipe (its number in ARIADNE_SITES_LINK; inherited by fork
// children and exec'd images like every ARIADNE_* variable), and each process
// of the run writes one byte into it once it has patch sites: at start (PROG
// or a library it links), or when it dlopens an instrumented library. No
// byte when PROG has ended: no process of the run had any, and the command
// says "nothing is instrumented in PROG" instead of reporting an empty run
// as a success. A program that closes the descriptor, or reuses its number,
// before an instrumented module of it is loaded cannot tell (the runtime
// writes only into the pipe it was given).
#pragma once

namespace ariadne::record {

inline constexpr const char* kSitesLinkVariable = "ARIADNE_SITES_LINK";

// The runtime, before the trace core's first scan (the runtime's
// constructor): reads ARIADNE_SITES_LINK; when set, the program's own
// "built without -fpatchable-function-entry" note is left to the command,
// and every module with sites added from then on is told (once per process).
void start_sites_link_from_environment() noexcept;

}  // namespace ariadne::record
