#!/usr/bin/env bash
# replay_overhead.sh [-r RUNS] [-t THREADS] [-c CALLS] [-w WORK] [-s ROUNDS] [-C CALLS] [-S ROUNDS] [-p CPU] [x86_64|aarch64|both]
#
# Issue 17, acceptance 5: what a replayable recording and its replay cost
# beside the program run natively, side by side in one run
# (docs/performance.md, "Replay overhead").
#
# 1. CPU-bound (bench/replay_cpu.c): THREADS (4) threads, each CALLS calls of
#    a small instrumented function doing WORK rounds of arithmetic. Wall time
#    of the whole run natively, under `ariadne record --replayable` and under
#    `ariadne replay`; the ratios to native (target <= 1.5x); the hand-offs and
#    the log bytes per hand-off.
# 2. Syscall-heavy (bench/replay_syscall.c): ROUNDS rounds of a pipe write, a
#    read of it and clock_gettime (3 intercepted calls a round). The time per
#    call added by record and by replay (target <= 1 us on x86-64) and the log
#    bytes per call. Start-up is taken out: each mode is also run with 0
#    rounds, and per call = (wall(ROUNDS) - wall(0)) / calls.
# 3. libc's own system calls (bench/replay_syscall.c `libc`): ROUNDS calls of
#    times(2), which libc makes inside its own function and replay traps
#    (x86-64: Syscall User Dispatch; AArch64: the rewritten svc) and
#    emulates: the time per call added by record and by replay, as in 2.
#
# Every command runs pinned to one CPU (taskset -c CPU, 0 by default); each
# figure is the median of RUNS (3) runs, the three modes interleaved in every
# run so that the machine's load hits them alike. Each run's stdout must equal
# the native one's (the replay's is the recording's, written through).
#
# x86_64: the programs as the build built them (bench/replay_cpu, _syscall).
# aarch64: the same sources cross-built here with aarch64-linux-gnu-gcc, the
# build type's optimisation flags and `ariadne flags --arch aarch64`, run
# under qemu-aarch64 (natively: `qemu-aarch64 PROG`; record and replay: the
# same x86-64 `ariadne`, which starts qemu-aarch64 itself). Besides wall time,
# one more run of each mode counts the guest instructions of the whole run
# with the insn_count plugin (tools/qemu-plugin, atomic=on), given to
# `ariadne` through ARIADNE_QEMU. -C/-S set the sizes there (default: -c and
# a quarter of -s).
#
# Build dir: $NATIVE_BUILD (build/native-release), with the targets ariadne
# (which builds lib/aarch64 too), insn_count, replay_cpu, replay_syscall.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=3 threads=4 calls=2500000 work=32 rounds=100000 a_calls='' a_rounds='' cpu=0
while getopts r:t:c:w:s:C:S:p: o; do
  case $o in
    r) runs=$OPTARG ;; t) threads=$OPTARG ;; c) calls=$OPTARG ;; w) work=$OPTARG ;;
    s) rounds=$OPTARG ;; C) a_calls=$OPTARG ;; S) a_rounds=$OPTARG ;; p) cpu=$OPTARG ;;
    *) sed -n 2p "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
which=${1:-both}
a_calls=${a_calls:-$calls}
a_rounds=${a_rounds:-$((rounds / 4))}
b=$(realpath -m "${NATIVE_BUILD:-$top/build/native-release}")
# shellcheck source=bench/replay_common.sh
. "$top/bench/replay_common.sh"

# The record command's last stderr line:
# "... replayable: E events (H hand-offs, C calls logged), T threads, B bytes of log (Z compressed); ..."
# -> "E H C B Z" (Z: replay.log.zst's size, 0 when the log was left raw)
record_figures() {
  tail -n 1 "$1" | sed -nE 's/.*replayable: ([0-9]+) events \(([0-9]+) hand-offs, ([0-9]+) calls logged\), [0-9]+ threads?, ([0-9]+) bytes of log( \(([0-9]+) compressed\))?.*/\1 \2 \3 \4 \6/p' |
    awk '{print $1, $2, $3, $4, ($5 == "" ? 0 : $5)}'
}

# check_run ARCH MODE TAG (run_mode, replay_common.sh): record's and replay's
# stdout must be the native run's; record's log figures go to TAG.record.fig.
check_run() {
  local arch=$1 mode=$2 tag=$3
  local out=$work_dir/$tag.$mode.out err=$work_dir/$tag.$mode.err
  [ "$mode" = native ] || cmp -s "$work_dir/$tag.native.out" "$out" ||
    { echo "replay_overhead.sh: $arch $tag: $mode's output differs from the native run's" >&2; diff "$work_dir/$tag.native.out" "$out" | head >&2; exit 1; }
  if [ "$mode" = record ]; then
    record_figures "$err" >"$work_dir/$tag.record.fig"
    [ -s "$work_dir/$tag.record.fig" ] || { echo "replay_overhead.sh: no figures in: $(tail -n 1 "$err")" >&2; exit 1; }
  fi
}

# count_insns ARCH TAG PROG ARGS...: one more run of each mode under the
# insn_count plugin; the whole run's guest instructions in TAG.MODE.insns.
count_insns() {
  local arch=$1 tag=$2 m plugin=$b/tools/qemu-plugin/libinsn_count.so
  shift 2
  for m in native record replay; do
    local f=$work_dir/$tag.$m.icount
    printf '#!/bin/sh\nexec qemu-aarch64 -plugin %s,out=%s,atomic=on "$@"\n' "$plugin" "$f" >"$work_dir/qemu-plugin"
    chmod +x "$work_dir/qemu-plugin"
    local native_cmd=("$work_dir/qemu-plugin") qemu_env=(ARIADNE_QEMU="$work_dir/qemu-plugin")
    run_mode "$arch" "$m" "$tag-insns" "$@"
    awk '$1 == "total" {print $2}' "$f" >"$work_dir/$tag.$m.insns"
  done
}

insns() { if [ -s "$work_dir/$1.$2.insns" ]; then cat "$work_dir/$1.$2.insns"; else echo -; fi; }

# report ARCH LABEL CPU_PROG SYSCALL_PROG CALLS ROUNDS
report() {
  local arch=$1 label=$2 cpu_prog=$3 sys_prog=$4 n_calls=$5 n_rounds=$6 m
  local total=$((threads * n_calls)) sys_calls=$((3 * n_rounds)) counting=${counting:-0}
  echo "== $label: CPU-bound, $threads threads x $n_calls calls of step(work $work) = $total calls;" \
    "taskset -c $cpu, median of $runs runs"
  measure "$arch" cpu "$cpu_prog" "$threads" "$n_calls" "$work"
  measure "$arch" cpu0 "$cpu_prog" "$threads" 0 "$work"
  # The same calls with no work in them: the cost of a tick alone, which
  # the work hides in part (the CPU overlaps it with the multiply chain).
  measure "$arch" cpuw0 "$cpu_prog" "$threads" "$n_calls" 0
  if [ "$counting" != 0 ]; then
    count_insns "$arch" cpu "$cpu_prog" "$threads" "$n_calls" "$work"
    count_insns "$arch" cpu0 "$cpu_prog" "$threads" 0 "$work"
    count_insns "$arch" cpuw0 "$cpu_prog" "$threads" "$n_calls" 0
  fi
  # +ns/call: (wall - start-up) over native's, per call; start-up = the run with 0 calls.
  printf '  %-7s %10s %8s %12s %10s %12s %14s %12s\n' mode "wall s" "/native" "start-up s" "+ns/call" \
    "work 0: s" "work 0: +ns" "+insns/call"
  for m in native record replay; do
    awk -v m="$m" -v w="$(med cpu "$m")" -v n="$(med cpu native)" -v s="$(med cpu0 "$m")" -v ns="$(med cpu0 native)" \
        -v z="$(med cpuw0 "$m")" -v nz="$(med cpuw0 native)" -v c="$total" \
        -v i="$(insns cpu "$m")" -v i0="$(insns cpu0 "$m")" -v ni="$(insns cpu native)" -v ni0="$(insns cpu0 native)" 'BEGIN {
      add = ((w - s) - (n - ns)) / c; addz = ((z - s) - (nz - ns)) / c
      printf "  %-7s %10.3f %7.2fx %12.3f %10s %12.3f %12s %14s\n", m, w / 1e9, w / n, s / 1e9,
        m == "native" ? "-" : sprintf("%+.1f", add), z / 1e9, m == "native" ? "-" : sprintf("%+.1f", addz),
        (i == "-" || m == "native") ? "-" : sprintf("%+.1f", ((i - i0) - (ni - ni0)) / c) }'
  done
  if [ "$counting" != 0 ]; then
    awk -v n="$(insns cpu native)" -v r="$(insns cpu record)" -v p="$(insns cpu replay)" -v c="$total" 'BEGIN {
      printf "  guest insns, whole run: native %.0f (%.1f/call), record %.0f (%.2fx), replay %.0f (%.2fx)\n",
        n, n / c, r, r / n, p, p / n }'
  fi
  local ev ho cl by z
  read -r ev ho cl by z <"$work_dir/cpu.record.fig"
  awk -v ev="$ev" -v ho="$ho" -v cl="$cl" -v by="$by" -v z="$z" -v t="$total" 'BEGIN {
    printf "  log: %d events (%d hand-offs, %d calls logged), %d bytes = %.1f bytes/hand-off, %.1f bytes/event; %.0f calls/hand-off\n",
      ev, ho, cl, by, ho ? by / ho : 0, ev ? by / ev : 0, ho ? t / ho : 0
    printf "  log compressed (replay.log.zst): %d bytes = %.1f bytes/hand-off, %.1f bytes/event; %.1fx smaller\n",
      z, ho ? z / ho : 0, ev ? z / ev : 0, z ? by / z : 0 }'
  awk -v l="$label" -v r="$(med cpu record)" -v p="$(med cpu replay)" -v n="$(med cpu native)" 'BEGIN {
    printf "%s CPU-bound: record/native %.2fx replay/native %.2fx (target <= 1.5x)\n", l, r / n, p / n }'

  echo "== $label: syscall-heavy, $n_rounds rounds of write+read (pipe) + clock_gettime = $sys_calls calls;" \
    "taskset -c $cpu, median of $runs runs; per call = (wall($n_rounds rounds) - wall(0 rounds)) / calls"
  measure "$arch" sys "$sys_prog" "$n_rounds"
  measure "$arch" sys0 "$sys_prog" 0
  if [ "$counting" != 0 ]; then
    count_insns "$arch" sys "$sys_prog" "$n_rounds"
    count_insns "$arch" sys0 "$sys_prog" 0
  fi
  local by0 z0
  read -r _ _ _ by z <"$work_dir/sys.record.fig"
  read -r _ _ _ by0 z0 <"$work_dir/sys0.record.fig"
  printf '  %-7s %10s %10s %10s %12s %12s %12s\n' mode "wall s" "0 rounds s" "us/call" "+us/call" "insns/call" \
    "+insns/call"
  for m in native record replay; do
    awk -v m="$m" -v w="$(med sys "$m")" -v z="$(med sys0 "$m")" -v nw="$(med sys native)" -v nz="$(med sys0 native)" \
        -v c="$sys_calls" -v i="$(insns sys "$m")" -v i0="$(insns sys0 "$m")" \
        -v ni="$(insns sys native)" -v ni0="$(insns sys0 native)" 'BEGIN {
      per = (w - z) / c / 1e3; add = ((w - z) - (nw - nz)) / c / 1e3
      printf "  %-7s %10.3f %10.3f %10.3f %12s %12s %12s\n", m, w / 1e9, z / 1e9, per,
        m == "native" ? "-" : sprintf("%+.3f", add), i == "-" ? "-" : sprintf("%.1f", (i - i0) / c),
        (i == "-" || m == "native") ? "-" : sprintf("%+.1f", ((i - i0) - (ni - ni0)) / c) }'
  done
  awk -v l="$label" -v r="$(med sys record)" -v r0="$(med sys0 record)" -v p="$(med sys replay)" -v p0="$(med sys0 replay)" \
      -v n="$(med sys native)" -v n0="$(med sys0 native)" -v c="$sys_calls" -v by="$by" -v by0="$by0" \
      -v z="$z" -v z0="$z0" 'BEGIN {
    printf "%s syscall-heavy: per call added: record %+.3f us, replay %+.3f us (target <= 1 us on x86-64); log %.1f bytes/call, %.2f compressed (%.1fx)\n",
      l, ((r - r0) - (n - n0)) / c / 1e3, ((p - p0) - (n - n0)) / c / 1e3, (by - by0) / c, (z - z0) / c,
      (z > z0 ? (by - by0) / (z - z0) : 0) }'
}

# trapped LABEL PROG ROUNDS: part 3, libc's own (trapped) system calls.
trapped() {
  local arch=$1 label=$2 prog=$3 n=$4 m
  echo "== $label: $n calls of times(2), trapped inside libc and emulated from the log;" \
    "taskset -c $cpu, median of $runs runs; per call = (wall($n) - wall(0)) / calls"
  measure "$arch" libc "$prog" "$n" libc
  measure "$arch" libc0 "$prog" 0 libc
  printf '  %-7s %10s %10s %10s %12s\n' mode "wall s" "0 calls s" "us/call" "+us/call"
  for m in native record replay; do
    awk -v m="$m" -v w="$(med libc "$m")" -v z="$(med libc0 "$m")" -v nw="$(med libc native)" \
        -v nz="$(med libc0 native)" -v c="$n" 'BEGIN {
      printf "  %-7s %10.3f %10.3f %10.3f %12s\n", m, w / 1e9, z / 1e9, (w - z) / c / 1e3,
        m == "native" ? "-" : sprintf("%+.3f", ((w - z) - (nw - nz)) / c / 1e3) }'
  done
  local by by0
  read -r _ _ _ by _ <"$work_dir/libc.record.fig"
  read -r _ _ _ by0 _ <"$work_dir/libc0.record.fig"
  awk -v l="$label" -v r="$(med libc record)" -v r0="$(med libc0 record)" -v p="$(med libc replay)" \
      -v p0="$(med libc0 replay)" -v nw="$(med libc native)" -v n0="$(med libc0 native)" -v c="$n" \
      -v by="$by" -v by0="$by0" 'BEGIN {
    printf "%s libc-internal (trapped): per call added: record %+.3f us, replay %+.3f us; log %.1f bytes/call\n",
      l, ((r - r0) - (nw - n0)) / c / 1e3, ((p - p0) - (nw - n0)) / c / 1e3, (by - by0) / c }'
}

run_x86() {
  need "$b/bench/replay_cpu" replay_cpu
  need "$b/bench/replay_syscall" replay_syscall
  local native_cmd=() qemu_env=()
  report x86_64 x86-64 "$b/bench/replay_cpu" "$b/bench/replay_syscall" "$calls" "$rounds"
  trapped x86_64 x86-64 "$b/bench/replay_syscall" "$rounds"
}

run_aarch64() {
  need "$b/lib/aarch64/libariadne-rt.so" "ariadne (its runtime-aarch64 sub-build)"
  need "$b/tools/qemu-plugin/libinsn_count.so" insn_count
  command -v qemu-aarch64 >/dev/null || { echo "replay_overhead.sh: qemu-aarch64 not found" >&2; exit 1; }
  command -v aarch64-linux-gnu-gcc >/dev/null || { echo "replay_overhead.sh: aarch64-linux-gnu-gcc not found" >&2; exit 1; }
  # The build type's flags, as CMake gives them to the x86-64 programs.
  local opt flags
  opt=$(build_opt C)
  flags=$("$ariadne" flags --arch aarch64)
  # shellcheck disable=SC2086 # word splitting of the flag lists is wanted
  aarch64-linux-gnu-gcc $opt $flags -Wall -Wextra -Werror -pthread "$top/bench/replay_cpu.c" -o "$work_dir/replay_cpu.a64"
  # shellcheck disable=SC2086
  aarch64-linux-gnu-gcc $opt $flags -Wall -Wextra -Werror "$top/bench/replay_syscall.c" -o "$work_dir/replay_syscall.a64"
  echo "(AArch64 programs: aarch64-linux-gnu-gcc $opt $flags; under qemu-aarch64, wall time is QEMU's, not a core's)"
  local native_cmd=(qemu-aarch64) qemu_env=() counting=1
  report aarch64 AArch64 "$work_dir/replay_cpu.a64" "$work_dir/replay_syscall.a64" "$a_calls" "$a_rounds"
  trapped aarch64 AArch64 "$work_dir/replay_syscall.a64" "$a_rounds"
}

run_arches "$which"
