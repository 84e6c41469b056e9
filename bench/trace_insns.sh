#!/usr/bin/env bash
# trace_insns.sh BUILD_DIR [N]: guest instructions per call of an
# instrumentable function, counted by the insn_count QEMU plugin
# (tools/qemu-plugin) on the build's own architecture (qemu-aarch64 for the
# AArch64 presets, qemu-x86_64 for native), for
#   (a) none        no sled                        trace_sled_bench
#   (b) pristine    the compiler's sled            trace_sled_bench
#   (c) prepared    as the runtime leaves it       trace_sled_bench
#       twin        a second pristine copy (control: must equal (b))
#   (d) entry       enabled, empty entry handler   trace_handler_bench (libariadne-rt.so)
#   (e) entry+exit  + empty exit handler           trace_handler_bench
#   (f) lean        (e) with lean handlers (trace.hpp kHandlerLean)
# on three workloads: `call` (a loop of calls to a trivial function: the
# figure includes the loop, 3-4 instructions), `fib` (recursive fib(10), 177
# calls per operation) and `walk` (a 63-node tree walk, 127 calls).
#
# Method (as insns_per_switch.sh): the harness brackets N operations with the
# plugin's region markers; run with N and 2N, per call =
# (region(2N) - region(N)) / N / calls per operation. Exact: instruction
# counts do not depend on load. Then the call-heavy ratio (c)/(b).
set -euo pipefail
build=${1:?usage: trace_insns.sh BUILD_DIR [N]}
n=${2:-2000}
sled_bench=$build/bench/trace_sled_bench
handler_bench=$build/bench/trace_handler_bench

source "$(dirname "$0")/insns_common.sh"
insns_setup "$build" "$sled_bench"

# region BENCH MODE N -> "instructions-between-markers calls-per-op"
region() {
  local calls
  calls=$("$qemu" -plugin "$plugin,out=$tmp/out" "$1" insns "$2" "$3" | awk '$1=="calls_per_op" {print $2}')
  [ -n "$calls" ] || { echo "$(basename "$1") $2: no calls_per_op" >&2; return 1; }
  awk -v c="$calls" '$1=="regions" && $2!=1 {exit 1} $1=="region" {r=$2} END {print r, c}' "$tmp/out" ||
    { echo "$2: markers did not pair up" >&2; return 1; }
}
# per_call BENCH MODE -> instructions per call, or "-" if the mode fails
per_call() {
  local a b
  a=$(region "$1" "$2" "$n") && b=$(region "$1" "$2" $((2 * n))) || { echo -; return; }
  awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN {
    split(a, x, " "); split(b, y, " "); printf "%.2f", (y[1] - x[1]) / n / x[2] }'
}

declare -A per
for w in call fib walk; do
  for s in none pristine prepared twin; do per[$w-$s]=$(per_call "$sled_bench" "$w-$s"); done
done
handler_note=
for w in call fib; do
  for s in entry entry+exit lean; do
    if [ -x "$handler_bench" ]; then per[$w-$s]=$(per_call "$handler_bench" "$w-$s"); else per[$w-$s]=-; fi
  done
  [ "${per[$w-entry]}" = - ] && handler_note="  (d)/(e): trace_handler_bench did not run (see its stderr)"
done
per[walk-entry]=- per[walk-entry+exit]=- per[walk-lean]=-

echo "guest instructions per call, $arch, $(basename "$build"), N=$n and 2N under $(basename "$qemu") + insn_count"
printf '  %-6s %10s %13s %13s %8s %10s %15s %9s\n' workload "(a) none" "(b) pristine" "(c) prepared" twin "(d) entry" \
  "(e) entry+exit" "(f) lean"
for w in call fib walk; do
  printf '  %-6s %10s %13s %13s %8s %10s %15s %9s\n' "$w" "${per[$w-none]}" "${per[$w-pristine]}" \
    "${per[$w-prepared]}" "${per[$w-twin]}" "${per[$w-entry]}" "${per[$w-entry+exit]}" "${per[$w-lean]}"
done
[ -z "$handler_note" ] || echo "$handler_note"
for w in call fib walk; do
  awk -v w="$w" -v a="${per[$w-none]}" -v b="${per[$w-pristine]}" -v c="${per[$w-prepared]}" 'BEGIN {
    printf "sled cost per call, %s: pristine %+.2f, prepared %+.2f instructions\n", w, b - a, c - a }'
done
for w in call fib; do
  [ "${per[$w-entry]}" = - ] && continue
  awk -v w="$w" -v c="${per[$w-prepared]}" -v d="${per[$w-entry]}" -v e="${per[$w-entry+exit]}" \
      -v f="${per[$w-lean]}" 'BEGIN {
    printf "tracing cost per call, %s: entry %+.2f, entry+exit %+.2f, lean entry+exit %+.2f instructions over prepared\n",
      w, d - c, e - c, f - c }'
done
for w in fib walk; do
  awk -v w="$w" -v b="${per[$w-pristine]}" -v c="${per[$w-prepared]}" 'BEGIN {
    printf "ratio call-heavy %s prepared/pristine = %.4f (instructions)\n", w, c / b }'
done
