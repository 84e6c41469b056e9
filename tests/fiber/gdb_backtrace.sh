#!/bin/sh
# Usage: gdb_backtrace.sh native|qemu PROGRAM GDB_SCRIPT
# Runs PROGRAM under gdb (natively, or under `qemu-aarch64 -g PORT` with
# gdb-multiarch attached), stops at fiber_breakpoint_here and checks that
#  * bt shows fiber_breakpoint_here, b, a, fiber_entry, ariadne_ctx_trampoline,
#    ends AT the trampoline, with no "Backtrace stopped"/"corrupt" message;
#  * `fiber bt 2` (tools/gdb/ariadne-fibers.py) shows the suspended sleeper
#    in sleeper_wait -> sleeper_entry -> ariadne_ctx_trampoline.
mode=$1
prog=$2
script=$3
out=$(mktemp)
trap 'rm -f "$out"; [ -n "$qpid" ] && kill "$qpid" 2>/dev/null' EXIT

cmds="-ex 'set pagination off' -ex 'set confirm off'"
if [ "$mode" = qemu ]; then
  port=$((20000 + $$ % 20000))
  qemu-aarch64 -g "$port" "$prog" >/dev/null 2>&1 &
  qpid=$!
  sleep 0.5
  gdb-multiarch -nx -batch -ex 'set pagination off' -ex 'set sysroot /' -ex "file $prog" \
    -ex "target remote :$port" -ex 'break fiber_breakpoint_here' -ex continue \
    -ex 'echo ==BT==\n' -ex bt -ex 'echo ==END==\n' \
    -ex "source $script" -ex 'info fibers' -ex 'echo ==FBT==\n' -ex 'fiber bt 2' -ex 'echo ==FEND==\n' \
    -ex 'fiber bt 2 fp' -ex 'bt 1' -ex kill >"$out" 2>&1
else
  gdb -nx -batch -ex 'set pagination off' -ex 'break fiber_breakpoint_here' -ex run \
    -ex 'echo ==BT==\n' -ex bt -ex 'echo ==END==\n' \
    -ex "source $script" -ex 'info fibers' -ex 'echo ==FBT==\n' -ex 'fiber bt 2' -ex 'echo ==FEND==\n' \
    -ex 'fiber bt 2 fp' -ex 'bt 1' -ex kill "$prog" >"$out" 2>&1
fi
cat "$out"
: "$cmds"

fail() { echo "gdb_backtrace: FAIL: $*"; exit 1; }
bt=$(sed -n '/==BT==/,/==END==/p' "$out" | grep '^#')
[ -n "$bt" ] || fail "no backtrace"
i=0
for fn in fiber_breakpoint_here b a fiber_entry ariadne_ctx_trampoline; do
  line=$(echo "$bt" | sed -n "$((i + 1))p")
  echo "$line" | grep -q "[ .]$fn " || echo "$line" | grep -q " $fn (" || fail "frame #$i is not $fn: $line"
  i=$((i + 1))
done
[ "$(echo "$bt" | wc -l)" -eq 5 ] || fail "frames beyond the trampoline"
grep -q -e "Backtrace stopped" -e "corrupt" "$out" && fail "unwinder complained"

fbt=$(sed -n '/==FBT==/,/==FEND==/p' "$out" | grep '^#')
echo "$fbt" | head -1 | grep -q "sleeper_wait" || fail "fiber bt 2 does not start in sleeper_wait"
echo "$fbt" | grep -q "sleeper_entry" || fail "fiber bt 2 lacks sleeper_entry"
echo "$fbt" | tail -1 | grep -q "ariadne_ctx_trampoline" || fail "fiber bt 2 does not end at the trampoline"
grep -q 'sleeper' "$out" || fail "info fibers lacks the sleeper"
echo "gdb_backtrace: ok"
