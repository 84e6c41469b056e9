#!/bin/sh
# Usage: expect_abicheck.sh STATUS REPORT REGEX... -- COMMAND...
# Runs COMMAND (with the ARIADNE_ABICHECK* environment the test sets), and
# passes if it exits with STATUS and each extended REGEX matches a line of
# its output (stdout and stderr) or of the report file REPORT ("-": none).
expected_status=$1
report=$2
shift 2
patterns=$(mktemp)
err=$(mktemp)
trap 'rm -f "$patterns" "$err"' EXIT
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  printf '%s\n' "$1" >>"$patterns"
  shift
done
shift
ulimit -c 0
[ "$report" = "-" ] && report=/dev/null
"$@" >"$err" 2>&1
status=$?
cat "$err" "$report" >&2
fail=0
if [ "$status" -ne "$expected_status" ]; then
  echo "expect_abicheck: exit status $status, expected $expected_status" >&2
  fail=1
fi
while IFS= read -r re; do
  if ! grep -qhE -e "$re" "$err" "$report"; then
    echo "expect_abicheck: no line matches '$re'" >&2
    fail=1
  fi
done <"$patterns"
[ "$fail" -eq 0 ] && echo "expect_abicheck: ok (status $status)"
exit "$fail"
