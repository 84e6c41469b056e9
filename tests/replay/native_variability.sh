#!/usr/bin/env bash
# native_variability.sh PROG... — runs each program natively RUNS times (5
# unless set) and prints how many distinct stdouts it produced, e.g.
# `racy_counter: 5 distinct outputs in 5 runs`. This shows the replay suite
# can fail: a replay that merely re-ran these programs would not reproduce
# their recorded output. Every run must exit 0 and print EXIT-SUCCESS.
# With MIN_DISTINCT=N, a program that has produced fewer than N distinct
# outputs after RUNS runs runs again, up to MAX_RUNS (4 x RUNS) in all: on a
# loaded machine the racy programs' threads may not overlap for a few runs.
# Exits 1 when a program stays below N (or a run failed); without
# MIN_DISTINCT it only reports.
set -u
if [ $# -lt 1 ]; then
  echo "usage: [RUNS=5] [MIN_DISTINCT=N] $0 PROG..." >&2
  exit 2
fi
runs=${RUNS:-5}
min=${MIN_DISTINCT:-0}
max_runs=${MAX_RUNS:-$((4 * runs))}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp
status=0
for prog in "$@"; do
  [[ $prog == */* ]] || prog=./$prog
  name=$(basename "$prog")
  failed=0
  distinct=0
  for ((i = 1; i <= max_runs; i++)); do
    runs_done=$i
    timeout -k 10 60 "$prog" >"$tmp/$name.$i.out" 2>"$tmp/$name.$i.err"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -qx EXIT-SUCCESS "$tmp/$name.$i.out"; then
      if [ $failed -eq 0 ]; then  # the first failed run of each program, in detail
        echo "$name: run $i failed (exit status $rc)"
        tail -n 3 "$tmp/$name.$i.err" | sed 's/^/    stderr: /'
        tail -n 3 "$tmp/$name.$i.out" | sed "s/^/    stdout: /"
      fi
      failed=1
    fi
    distinct=$(for f in "$tmp/$name".*.out; do md5sum <"$f"; done | sort -u | wc -l)
    if [ "$i" -ge "$runs" ] && { [ "$distinct" -ge "$min" ] || [ $failed -eq 1 ]; }; then break; fi
  done
  echo "$name: $distinct distinct outputs in $runs_done runs"
  if [ $failed -eq 1 ] || [ "$distinct" -lt "$min" ]; then status=1; fi
done
exit $status
