// Replay: the fd a call made when recording, not made again, is taken by a
// stand-in (/dev/null) under the same number (SyscallInterposers.cpp).
#pragma once

namespace ariadne::replay {

void stand_in(long fd);

// The fd model: which fds are the program's original stdout and stderr (what
// replay writes through to the user), followed through dup, dup2, dup3,
// fcntl(F_DUPFD) and close. A program that points fd 1 at a file wrote
// nothing to the terminal, and its replay writes nothing there either.
bool is_terminal(long fd);
void set_terminal(long fd, bool terminal);

}  // namespace ariadne::replay
