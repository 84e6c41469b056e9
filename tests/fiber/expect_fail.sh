#!/bin/sh
# Usage: expect_fail.sh EXPECTED_LINE|- COMMAND...
# Passes if COMMAND exits non-zero (or dies of a signal) and, unless
# EXPECTED_LINE is "-", its stderr contains EXPECTED_LINE as a whole line,
# exactly once. With "-", stderr must contain no 'overflowed its' report.
expected=$1
shift
ulimit -c 0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$@" 2>"$err"
status=$?
cat "$err" >&2
if [ "$status" -eq 0 ]; then
  echo "expect_fail: '$*' exited 0, expected a failure" >&2
  exit 1
fi
if [ "$expected" = "-" ]; then
  if grep -q "overflowed its" "$err"; then
    echo "expect_fail: unexpected overflow report" >&2
    exit 1
  fi
else
  count=$(grep -cxF "$expected" "$err")
  if [ "$count" -ne 1 ]; then
    echo "expect_fail: expected exactly one line '$expected', found $count" >&2
    exit 1
  fi
fi
echo "expect_fail: ok (status $status)"
