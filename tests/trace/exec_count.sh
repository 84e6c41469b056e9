#!/usr/bin/env bash
# End to end through the launcher: `ariadne exec` preloads the runtime into
# the bundled multi-threaded example, ARIADNE_COUNT counts its calls, and the
# counts must equal the program's own counters.
#   exec_count.sh ARIADNE WORKERS
set -euo pipefail
ariadne=$1 workers=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ARIADNE_COUNT='^\(anonymous namespace\)::(mix|fill_block|sort_block|checksum_block|worker)\(' \
ARIADNE_COUNT_OUTPUT="$out/counts" "$ariadne" exec -- "$workers" 4 30 > "$out/stdout"
cat "$out/stdout"
cat "$out/counts"
calls=$(grep '^calls:' "$out/stdout")
fail=0
for fn in mix fill_block sort_block checksum_block worker; do
  want=$(sed -E "s/.* $fn=([0-9]+).*/\1/" <<< "$calls")
  got=$(awk -v f="(anonymous namespace)::$fn(" 'index($3, f) == 1 || index($0, " " f) > 0 { print $2 }' "$out/counts" | head -1)
  if [[ "$got" != "$want" ]]; then
    echo "exec_count: $fn: program counted $want calls, the tracer ${got:-none}"
    fail=1
  fi
done
[[ $fail == 0 ]] && echo "exec_count: OK (all counts equal)"
exit $fail
