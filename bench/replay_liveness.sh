#!/usr/bin/env bash
# replay_liveness.sh [-r RUNS] [-w ROUNDS] [-i ITERS] [-W ROUNDS] [-I ITERS] [-p CPU] [x86_64|aarch64|both]
#
# Issue 17, acceptance 4: programs whose threads wait for each other by
# spinning stay live under record and replay, within 10x their native time on
# one CPU (docs/performance.md, "Replay liveness"). In one run, side by side:
#
# 1. spin_wait ROUNDS (tests/replay/spin_wait.cpp, built with `ariadne flags
#    --replayable`: a tick at every basic block): two threads hand a flag back
#    and forth ROUNDS (-w, 50) times, each waiting for it in a loop with no
#    calls.
# 2. spinlock ITERS (tests/replay/spinlock.c, built with `ariadne flags`):
#    four threads take a pthread_spin_lock ITERS (-i, 1000000) times each
#    (replay interposes pthread_spin_lock, which gives up the baton while
#    the lock is held).
#
# Each program runs natively, under `ariadne record --replayable` and under
# `ariadne replay`, every command pinned to one CPU (taskset -c CPU, 0 by
# default); each figure is the median of RUNS (3) runs, the three modes
# interleaved in every run so that the machine's load hits them alike. A
# replay must print the recording's stdout. Printed: wall times and each
# ratio to native (target <= 10x). The sizes make native time meaningful:
# at the suite's sizes (-w 1 -i 3000) a native run takes about as long as a
# process takes to start, and the ratios measure `ariadne`'s start-up.
#
# Then the cost of the flags themselves, for spin_wait: the time of one
# compiler-inserted tick in record and in replay (the spinning thread spins
# through its whole budget before each hand-off, so recording with --ticks
# 200000 instead of 20000 adds 180000 ticks per wait: the slope is the time
# of one tick; from CPU time, which the machine's load moves less than wall
# time), and natively, spin_wait built with the flags (the empty
# __sanitizer_cov_trace_pc of libariadne-cov.so) against the same source
# built without them.
#
# x86_64: the programs as the build built them (tests/replay/bin/), and
# spin_wait without the flags compiled here with the build type's flags.
# aarch64: the same sources cross-built here with aarch64-linux-gnu-g++/gcc,
# the build type's optimisation flags and `ariadne flags --arch aarch64
# [--replayable]`, run under qemu-aarch64 (natively: `qemu-aarch64 PROG`;
# record and replay: the x86-64 `ariadne`, which starts qemu-aarch64 itself);
# -W/-I set the sizes there (default: a quarter of -w, a tenth of -i).
#
# Build dir: $NATIVE_BUILD (build/native-release), with the targets ariadne
# (which builds lib/aarch64 too), replay_spin_wait, replay_spinlock.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=3 rounds=50 iters=1000000 a_rounds='' a_iters='' cpu=0
while getopts r:w:i:W:I:p: o; do
  case $o in
    r) runs=$OPTARG ;; w) rounds=$OPTARG ;; i) iters=$OPTARG ;; W) a_rounds=$OPTARG ;; I) a_iters=$OPTARG ;;
    p) cpu=$OPTARG ;;
    *) sed -n 2p "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
which=${1:-both}
a_rounds=${a_rounds:-$(((rounds + 3) / 4))}
a_iters=${a_iters:-$(((iters + 9) / 10))}
b=$(realpath -m "${NATIVE_BUILD:-$top/build/native-release}")
# shellcheck source=bench/replay_common.sh
. "$top/bench/replay_common.sh"

# check_run ARCH MODE TAG (run_mode, replay_common.sh): every run ends with
# EXIT-SUCCESS, and a replay prints the recording's stdout.
check_run() {
  local arch=$1 mode=$2 tag=$3 out=$work_dir/$3.$2.out
  grep -qx EXIT-SUCCESS "$out" || { echo "replay_liveness.sh: $arch $tag $mode: no EXIT-SUCCESS" >&2; exit 1; }
  [ "$mode" != replay ] || cmp -s "$work_dir/$tag.record.out" "$out" ||
    { echo "replay_liveness.sh: $arch $tag: the replay's output differs from the recording's" >&2; exit 1; }
}

# liveness ARCH LABEL TAG SIZE PROG ARGS...: the three modes of one program
# and their ratios to native.
liveness() {
  local arch=$1 label=$2 tag=$3 size=$4 m
  shift 4
  echo "== $label: $tag $size; taskset -c $cpu, median of $runs runs"
  measure "$arch" "$tag" "$@"
  printf '  %-7s %10s %9s %10s\n' mode "wall s" "/native" "CPU s"
  for m in native record replay; do
    awk -v m="$m" -v w="$(med "$tag" "$m")" -v n="$(med "$tag" native)" -v c="$(cpu_med "$tag" "$m")" 'BEGIN {
      printf "  %-7s %10.3f %8.2fx %10.3f\n", m, w / 1e9, w / n, c }'
  done
  tail -n 1 "$work_dir/$tag.record.err" | sed 's/^/  /'
}

# tick_cost ARCH LABEL PROG_FLAGS PROG_PLAIN: the time of one compiler-inserted
# tick in record and replay (spin_wait with --ticks 20000 and 200000), and
# spin_wait natively with and without the flags.
tick_cost() {
  local arch=$1 label=$2 flagged=$3 plain=$4
  echo "== $label: the flags' cost, spin_wait $n_rounds: --ticks 20000 vs 200000 (+180000 ticks per wait," \
    "$((2 * n_rounds)) waits); natively built with vs without the flags"
  modes="record replay" ticks=20000 measure "$arch" ticks20k "$flagged" "$n_rounds"
  modes="record replay" ticks=200000 measure "$arch" ticks200k "$flagged" "$n_rounds"
  modes=native measure "$arch" plain "$plain" "$n_rounds"
  awk -v l="$label" -v r1="$(cpu_med ticks20k record)" -v r2="$(cpu_med ticks200k record)" \
      -v p1="$(cpu_med ticks20k replay)" -v p2="$(cpu_med ticks200k replay)" \
      -v w1="$(med ticks20k record)" -v w2="$(med ticks200k record)" \
      -v n="$(med spin_wait native)" -v nb="$(med plain native)" -v waits="$((2 * n_rounds))" 'BEGIN {
    t = waits * 180000
    printf "%s compiler-inserted tick (CPU time): record %.1f ns, replay %.1f ns (wall: record %.1f ns);" \
      " spin_wait natively with the flags / without: %.2fx (wall)\n",
      l, (r2 - r1) * 1e9 / t, (p2 - p1) * 1e9 / t, (w2 - w1) / t, n / nb }'
}

# report ARCH LABEL SPIN_WAIT SPIN_WAIT_PLAIN SPINLOCK ROUNDS ITERS
report() {
  local arch=$1 label=$2 spin=$3 plain=$4 lock=$5 n_rounds=$6 n_iters=$7
  liveness "$arch" "$label" spin_wait "$n_rounds" "$spin" "$n_rounds"
  liveness "$arch" "$label" spinlock "$n_iters" "$lock" "$n_iters"
  tick_cost "$arch" "$label" "$spin" "$plain"
  local t m
  for t in spin_wait spinlock; do
    for m in native record replay; do echo "$(med "$t" "$m") $(cpu_med "$t" "$m")"; done
  done | paste -sd' ' | awk -v l="$label" '{
    printf "%s liveness: spin_wait record/native %.2fx replay/native %.2fx; spinlock record/native %.2fx" \
      " replay/native %.2fx (target <= 10x); in CPU time %.2fx %.2fx; %.2fx %.2fx\n", l, $3 / $1, $5 / $1,
      $9 / $7, $11 / $7, $4 / $2, $6 / $2, $10 / $8, $12 / $8 }'
}

run_x86() {
  need "$b/tests/replay/bin/spin_wait" replay_spin_wait
  need "$b/tests/replay/bin/spinlock" replay_spinlock
  local native_cmd=()
  # shellcheck disable=SC2046 # word splitting of the flag lists is wanted
  g++ $(build_opt CXX) $("$ariadne" flags) -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
    "$top/tests/replay/spin_wait.cpp" -o "$work_dir/spin_wait.plain"
  report x86_64 x86-64 "$b/tests/replay/bin/spin_wait" "$work_dir/spin_wait.plain" \
    "$b/tests/replay/bin/spinlock" "$rounds" "$iters"
}

run_aarch64() {
  need "$b/lib/aarch64/libariadne-rt.so" "ariadne (its runtime-aarch64 sub-build)"
  command -v qemu-aarch64 >/dev/null || { echo "replay_liveness.sh: qemu-aarch64 not found" >&2; exit 1; }
  command -v aarch64-linux-gnu-g++ >/dev/null || { echo "replay_liveness.sh: aarch64-linux-gnu-g++ not found" >&2; exit 1; }
  local cxx c flags replayable
  cxx=$(build_opt CXX) c=$(build_opt C)
  flags=$("$ariadne" flags --arch aarch64)
  replayable=$("$ariadne" flags --arch aarch64 --replayable)
  local common=(-Wall -Wextra -Werror -D_GNU_SOURCE -pthread)
  # shellcheck disable=SC2086 # word splitting of the flag lists is wanted
  aarch64-linux-gnu-g++ $cxx $replayable "${common[@]}" "$top/tests/replay/spin_wait.cpp" -o "$work_dir/spin_wait.a64"
  # shellcheck disable=SC2086
  aarch64-linux-gnu-g++ $cxx $flags "${common[@]}" "$top/tests/replay/spin_wait.cpp" -o "$work_dir/spin_wait.plain.a64"
  # shellcheck disable=SC2086
  aarch64-linux-gnu-gcc $c $flags "${common[@]}" "$top/tests/replay/spinlock.c" -o "$work_dir/spinlock.a64"
  echo "(AArch64 programs: aarch64-linux-gnu-g++ $cxx $replayable; under qemu-aarch64, wall time is QEMU's, not a core's)"
  local native_cmd=(qemu-aarch64)
  report aarch64 AArch64 "$work_dir/spin_wait.a64" "$work_dir/spin_wait.plain.a64" \
    "$work_dir/spinlock.a64" "$a_rounds" "$a_iters"
}

run_arches "$which"
