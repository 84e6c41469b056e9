#!/usr/bin/env bash
# abicheck_insns.sh BUILD_DIR [N]: guest instructions per call under
# `ariadne abicheck`, counted by the insn_count QEMU plugin
# (tools/qemu-plugin) on the build's own architecture, with libariadne-rt.so
# preloaded as the launcher does it:
#   (c) prepared   ARIADNE_ABICHECK unset: the sites as the runtime leaves them
#   (f) abicheck   ARIADNE_ABICHECK=1: every call checked at entry and exit
# Method of trace_insns.sh: N and 2N operations between the plugin's region
# markers, per call = (region(2N) - region(N)) / N / calls per operation.
set -euo pipefail
build=${1:?usage: abicheck_insns.sh BUILD_DIR [N]}
n=${2:-2000}
bench=$build/bench/abicheck_bench
source "$(dirname "$0")/insns_common.sh"
insns_setup "$build" "$bench"
runtime=$build/lib/$arch/libariadne-rt.so
[ -f "$runtime" ] || { echo "no $runtime" >&2; exit 1; }

# region WORKLOAD N [ENV...] -> "instructions-between-markers calls-per-op"
region() {
  local w=$1 count=$2 calls; shift 2
  local envs=(-E "LD_PRELOAD=$runtime")
  for e in "$@"; do envs+=(-E "$e"); done
  calls=$("$qemu" "${envs[@]}" -plugin "$plugin,out=$tmp/out" "$bench" insns "$w" "$count" 2>"$tmp/err" |
    awk '$1=="calls_per_op" {print $2}')
  [ -n "$calls" ] || { echo "abicheck_bench $w: no calls_per_op: $(cat "$tmp/err")" >&2; return 1; }
  awk -v c="$calls" '$1=="regions" && $2!=1 {exit 1} $1=="region" {r=$2} END {print r, c}' "$tmp/out" ||
    { echo "$w: markers did not pair up" >&2; return 1; }
}
per_call() {  # per_call WORKLOAD [ENV...]
  local a b
  a=$(region "$1" "$n" "${@:2}") && b=$(region "$1" $((2 * n)) "${@:2}") || { echo -; return; }
  awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN {
    split(a, x, " "); split(b, y, " "); printf "%.2f", (y[1] - x[1]) / n / x[2] }'
}

echo "guest instructions per call ($arch, $(basename "$build"), N=$n; libariadne-rt.so preloaded)"
printf '%-6s %12s %12s %12s\n' workload prepared abicheck "abicheck-prepared"
for w in call fib; do
  c=$(per_call "$w" ARIADNE_TRACE_VERBOSE=0)
  f=$(per_call "$w" ARIADNE_ABICHECK=1)
  d=$(awk -v c="$c" -v f="$f" 'BEGIN { if (c == "-" || f == "-") print "-"; else printf "%.2f", f - c }')
  printf '%-6s %12s %12s %12s\n' "$w" "$c" "$f" "$d"
done
