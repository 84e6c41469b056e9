#!/usr/bin/env bash
# errno_stress.sh MODE — errno_stress under `ariadne record` with 4 KiB
# segments (a roll-over every few hundred calls), live-file names taken
# (O_EXCL retries) and a dlopen/dlclose loop beside new threads (maps scans).
#   raw:    the build's runtime; expects 0 wrong errno values.
#   mutant: a runtime whose raw-syscall layer goes through libc's syscall(2)
#           (raw_syscall_via_libc.cpp); expects wrong values > 0, which shows
#           the test can fail.
# Environment: ARIADNE, STRESS (errno_stress), PLUGIN (a library to dlopen),
# MUTANT_RT_DIR (ARIADNE_RT_DIR for the mutant), WORK, STRESS_ARGS
# (THREADS_PER_WAVE WAVES CALLS PRECREATE: fewer under qemu-aarch64).
set -u
mode=$1
work=$WORK/errno-$mode
rm -rf "$work"
mkdir -p "$work"
dir=$work/rec
fail() { echo "FAIL [errno $mode]: $*" >&2; exit 1; }

rt_env=()
[ "$mode" = mutant ] && rt_env=(ARIADNE_RT_DIR="$MUTANT_RT_DIR")
# shellcheck disable=SC2086
out=$(env "${rt_env[@]}" "$ARIADNE" record -o "$dir" --segment-size 4096 -- "$STRESS" $STRESS_ARGS "$PLUGIN" 2>&1)
rc=$?
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | grep -E '^errno stress: ') || fail "no result line (exit status $rc)"
wrong=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) wrong errno values.*/\1/p')
segments=$(find "$dir" -name 't*-*.seg*' | wc -l)
echo "errno stress ($mode): $segments segments written"
[ "$segments" -ge 20 ] || fail "only $segments segments: the roll-over was not exercised"
case $mode in
  raw)
    [ "$rc" -eq 0 ] || fail "exit status $rc"
    [ "$wrong" -eq 0 ] || fail "$wrong wrong errno values"
    ;;
  mutant)
    [ "$wrong" -gt 0 ] || fail "the mutant runtime left errno intact: the test cannot tell"
    ;;
esac
echo "PASS [errno $mode]"
