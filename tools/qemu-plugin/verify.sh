#!/usr/bin/env bash
# verify.sh QEMU PLUGIN PROBE: checks that the insn_count plugin counts a loop
# of known length exactly: region(N) - region(0) == 4*N for several N, and the
# markers pair up. Whole-run totals are printed, not checked: outside the
# region, parsing a different argument costs a different number of insns.
set -euo pipefail
qemu=$1 plugin=$2 probe=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count() { # N -> "region total regions unmatched"
  "$qemu" -plugin "$plugin,out=$tmp/out" "$probe" "$1"
  awk '{v[$1]=$2} END {print v["region"], v["total"], v["regions"], v["unmatched"]}' "$tmp/out"
}

read -r r0 t0 n0 u0 < <(count 0)
[ "$n0" = 1 ] && [ "$u0" = 0 ] || { echo "FAIL: markers: regions=$n0 unmatched=$u0"; exit 1; }
fail=0
for n in 1 1000 123457; do
  read -r r t k u < <(count "$n")
  want=$((4 * n))
  echo "N=$n: region $r - $r0 = $((r - r0)) (want $want); total $t - $t0 = $((t - t0))"
  [ $((r - r0)) -eq "$want" ] || fail=1
  [ "$k" = 1 ] && [ "$u" = 0 ] || fail=1
done
# atomic mode counts the same.
"$qemu" -plugin "$plugin,out=$tmp/out,atomic=on" "$probe" 1000
ra=$(awk '$1=="region"{print $2}' "$tmp/out")
echo "atomic=on N=1000: region $ra - $r0 = $((ra - r0)) (want 4000)"
[ $((ra - r0)) -eq 4000 ] || fail=1
[ "$fail" = 0 ] && echo "PASS: insn_count is exact" || { echo "FAIL"; exit 1; }
