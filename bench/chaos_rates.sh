#!/usr/bin/env bash
# chaos_rates.sh [-n RUNS] [-s SEED] [x86_64|aarch64]
#
# Issue 18, acceptance 4 (docs/replay.md "Chaos mode"): for each bug program
# of tests/chaos/ (an atomicity violation, an order violation, a lost
# wake-up), in one run of this script, RUNS (100) runs of each of:
#   native  the program run directly (for aarch64: through binfmt, QEMU);
#   record  `ariadne record --replayable` with its default settings;
#   chaos   `ariadne chaos -n 1 --seed SEED+k` for k = 1..RUNS (one chaos
#           run each, so each is counted, not only the first failure);
# a run fails when it exits with a non-zero status or is killed by a
# signal. Printed per program: the three failure counts and the ratio of the
# chaos rate to each plain rate (rr's criterion: at least 3x). A plain count
# of 0 is counted as 1 for the ratio, which makes the ratio a lower bound.
# Then `ariadne chaos -n RUNS --seed SEED` as a user runs it: the run at which
# it found the bug.
#
# Needs the build's ariadne and tests/chaos/bin (build/native-release, or
# build/aarch64-release for aarch64).
set -u
runs=100
seed=1000
while getopts n:s: opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) seed=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-s SEED] [x86_64|aarch64]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
arch=${1:-x86_64}
root=$(cd "$(dirname "$0")/.." && pwd)
case $arch in
  x86_64) b=$root/build/native-release ;;
  aarch64) b=$root/build/aarch64-release ;;
  *) echo "$0: arch x86_64 or aarch64, not $arch" >&2; exit 2 ;;
esac
ariadne=$b/ariadne
bin=$b/tests/chaos/bin
[ -x "$ariadne" ] && [ -d "$bin" ] || { echo "$0: build $b first (ariadne, chaos_* targets)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ratio() { # chaos plain -> chaos / max(plain, 1), one decimal
  awk -v c="$1" -v p="$2" 'BEGIN { printf "%.1f", c / (p > 0 ? p : 1) }'
}

echo "chaos_rates: $arch, $runs runs of each mode per program, chaos seeds $((seed + 1))..$((seed + runs)) ($(date -u +%H:%M) UTC, load $(cut -d' ' -f1 /proc/loadavg))"
for prog in atomicity order lost_wakeup; do
  native=0 record=0 chaos=0
  for ((k = 1; k <= runs; k++)); do
    "$bin/$prog" >/dev/null 2>&1 || native=$((native + 1))
    "$ariadne" record --replayable -o "$work/rec" -- "$bin/$prog" >/dev/null 2>&1 || record=$((record + 1))
    "$ariadne" chaos -n 1 --seed $((seed + k)) -o "$work/chaos" -- "$bin/$prog" >/dev/null 2>&1
    case $? in
      0) ;;
      1) chaos=$((chaos + 1)) ;;
      *) echo "$prog: ariadne chaos failed itself (seed $((seed + k)))" >&2; exit 1 ;;
    esac
    rm -rf "$work/rec" "$work/chaos"
  done
  "$ariadne" chaos -n "$runs" --seed "$seed" -o "$work/find" -- "$bin/$prog" 2>"$work/find.err" >/dev/null
  found=$(sed -n 's/^ariadne chaos: run \([0-9]*\) failed (PROG \(.*\)); its.*/run \1 (PROG \2)/p' "$work/find.err")
  rm -rf "$work/find"
  echo "$prog: failed natively $native/$runs, recorded plainly $record/$runs, under chaos $chaos/$runs;" \
    "chaos/native $(ratio $chaos $native)x, chaos/record $(ratio $chaos $record)x;" \
    "ariadne chaos -n $runs --seed $seed found it at ${found:-no run}"
done
