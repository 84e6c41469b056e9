#!/usr/bin/env bash
# record_insns.sh BUILD_DIR [N]: guest instructions per call that recording
# adds (the recorder's entry + exit handlers and the events they write),
# counted by the insn_count QEMU plugin like trace_insns.sh: the `call` and
# `fib` workloads of trace_handler_bench in entry+exit mode (empty handlers,
# every call hooked), run plain and with ARIADNE_RECORD set (the recorder's
# handlers run after the empty ones). Per call = (region(2N) - region(N)) / N
# / calls per operation, then the difference between the two runs.
set -euo pipefail
build=${1:?usage: record_insns.sh BUILD_DIR [N]}
n=${2:-2000}
bench=$build/bench/trace_handler_bench
source "$(dirname "$0")/insns_common.sh"
insns_setup "$build" "$bench"

region() {  # region MODE N [env...] -> "instructions calls-per-op"
  local mode=$1 count=$2; shift 2
  local calls
  calls=$(env "$@" "$qemu" -plugin "$plugin,out=$tmp/out" "$bench" insns "$mode" "$count" | awk '$1=="calls_per_op" {print $2}')
  awk -v c="$calls" '$1=="region" {r=$2} END {print r, c}' "$tmp/out"
}
per_call() {  # per_call MODE [env...]
  local mode=$1; shift
  local a b
  a=$(region "$mode" "$n" "$@"); b=$(region "$mode" $((2 * n)) "$@")
  awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.2f", (y[1] - x[1]) / n / x[2] }'
}
echo "guest instructions per call, $arch, $(basename "$build"), N=$n and 2N"
for w in call fib; do
  rm -rf "$tmp/rec" && mkdir "$tmp/rec"
  plain=$(per_call "$w-entry+exit")
  # -F matching nothing: the bench enables its own site (it checks that exactly one changes).
  recorded=$(per_call "$w-entry+exit" ARIADNE_RECORD="$tmp/rec" ARIADNE_RECORD_OPTIONS="F ^no_such_function$")
  awk -v w="$w" -v p="$plain" -v r="$recorded" 'BEGIN {
    printf "  %-5s traced (empty handlers) %8.2f   recorded %8.2f   recording adds %+.2f\n", w, p, r, r - p }'
done
