#!/bin/sh
# Usage: preempt_gdb.sh native|qemu PROGRAM GDB_SCRIPT
# Runs preempt_gdb (preempt_gdb.cpp) under gdb (natively, or under
# `qemu-aarch64 -g PORT` with gdb-multiarch attached), stops at
# fiber_breakpoint_here and checks that `fiber bt 2`
# (tools/gdb/ariadne-fibers.py) shows the preempted spinner's stack: the
# signal frame, then spin_forever -- the function the timer signal
# interrupted -- then fiber_entry, ending at ariadne_ctx_trampoline.
mode=$1
prog=$2
script=$3
out=$(mktemp)
trap 'rm -f "$out"; [ -n "$qpid" ] && kill "$qpid" 2>/dev/null' EXIT

# The preemption signal (SIGRTMIN + 7) must reach the program unseen.
if [ "$mode" = qemu ]; then
  port=$((20000 + $$ % 20000))
  # gdb-multiarch sizes SVE registers by the largest vector length QEMU's
  # gdbstub describes (2048 bits) and refuses a signal frame whose SVE
  # record has another ("Invalid vector length in signal frame 4 vs 16"):
  # run the guest at that length.
  qemu-aarch64 -cpu max,sve-default-vector-length=256 -g "$port" "$prog" >/dev/null 2>&1 &
  qpid=$!
  sleep 0.5
  gdb-multiarch -nx -batch -ex 'set pagination off' -ex 'set sysroot /' -ex "file $prog" \
    -ex "target remote :$port" -ex 'handle SIG41 nostop noprint pass' -ex 'break fiber_breakpoint_here' \
    -ex continue -ex "source $script" -ex 'info fibers' -ex 'echo ==FBT==\n' -ex 'fiber bt 2' \
    -ex 'echo ==FEND==\n' -ex kill >"$out" 2>&1
else
  gdb -nx -batch -ex 'set pagination off' -ex 'handle SIG41 nostop noprint pass' \
    -ex 'break fiber_breakpoint_here' -ex run -ex "source $script" -ex 'info fibers' \
    -ex 'echo ==FBT==\n' -ex 'fiber bt 2' -ex 'echo ==FEND==\n' -ex kill "$prog" >"$out" 2>&1
fi
cat "$out"

fail() { echo "preempt_gdb: FAIL: $*"; exit 1; }
fbt=$(sed -n '/==FBT==/,/==FEND==/p' "$out" | grep '^#')
[ -n "$fbt" ] || fail "no fiber bt"
echo "$fbt" | grep -q "<signal handler called>" || fail "no signal frame in fiber bt 2"
# Right below the signal frame: the interrupted function, spin_forever
# (at -O1 the atomic load inlined into it may show as frames of its own,
# with no PC of their own, before it).
below=$(echo "$fbt" | sed -n '/<signal handler called>/,$p' | sed 1d)
first=$(echo "$below" | sed -n '/spin_forever/=' | head -1)
[ -n "$first" ] || fail "no spin_forever below the signal frame"
# One physical frame from the signal frame to spin_forever: only its first
# line (the interrupted PC) may carry an address.
echo "$below" | head -n "$first" | sed 1d | grep -q '^#[0-9]* *0x[0-9a-f]* in ' &&
  fail "a called frame between the signal frame and spin_forever"
echo "$fbt" | grep -q "fiber_entry" || fail "fiber bt 2 lacks fiber_entry"
echo "$fbt" | tail -1 | grep -q "ariadne_ctx_trampoline" || fail "fiber bt 2 does not end at the trampoline"
grep -q -e "Backtrace stopped" -e "corrupt" "$out" && fail "unwinder complained"
grep -q 'spinner' "$out" || fail "info fibers lacks the spinner"
echo "preempt_gdb: ok"
