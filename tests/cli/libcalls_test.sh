#!/usr/bin/env bash
# libcalls_test.sh CASE ARCH — library calls through the PLT (docs/trace.md
# "Library calls"), on libcalls.c, which counts its own calls.
#   counts: `ariadne report` counts memcpy, malloc, free, qsort, strlen,
#     printf and the comparator qsort calls back exactly as the program
#     does (qsort's own internal malloc is not followed); on x86-64 with
#     uftrace installed, uftrace's PLT counts for the same binary agree.
#   options: --no-libcalls leaves them out, -N drops one by name, -A/-R
#     capture strlen's argument and return value.
# Environment: ARIADNE, SRC_DIR (libcalls.c), WORK.
suite=libcalls case_name=$1 arch=$2
# shellcheck source=tests/cli/test_lib.sh
. "$(dirname "$0")/test_lib.sh"

n=200
libcalls="memcpy malloc free qsort strlen printf"
build libcalls
binary=$(prog libcalls)
dir=$WORK/libcalls-$case_name-$arch.data

# calls NAME REPORT: the Calls column of NAME's row ("" if none).
calls() { awk -v f="$1" '$NF == f { print $5; exit }' <<<"$2"; }

record() {  # record ARGS...: records $binary $n into $dir, report in $report
  rm -rf "$dir"
  "$ARIADNE" record -o "$dir" "$@" -- "$binary" "$n" >/dev/null 2>"$WORK/libcalls-$case_name-$arch.err" ||
    fail "record $* failed: $(cat "$WORK/libcalls-$case_name-$arch.err")"
  report=$("$ARIADNE" report "$dir") || fail "report failed: $report"
}

case $case_name in
counts)
  record
  echo "$report"
  own=$(cat "$WORK/libcalls-$case_name-$arch.err")
  for f in $libcalls compare; do
    want=$(awk -v f="$f" '$1 == f { print $2 }' <<<"$own")
    got=$(calls "$f" "$report")
    [ -n "$want" ] && [ "$want" -gt 0 ] || fail "the program counted no $f: $own"
    [ "$got" = "$want" ] || fail "$f: report counts '$got' calls, the program $want"
    echo "ok: $f $got calls, the program's count $want"
  done
  if [ "$arch" = x86_64 ] && command -v uftrace >/dev/null && [ "$(uname -m)" = x86_64 ]; then
    uftrace_report "$WORK/libcalls-uftrace.data" "$binary" "$n"
    echo "$ureport"
    for f in $libcalls compare; do
      theirs=$(awk -v f="$f" '$NF == f { print $5; exit }' <<<"$ureport")
      ours=$(calls "$f" "$report")
      [ "$theirs" = "$ours" ] || fail "$f: uftrace report counts '$theirs' calls, ariadne report $ours"
      echo "ok: $f $ours calls here, $theirs in uftrace report"
    done
  fi
  ;;
options)
  record --no-libcalls
  for f in $libcalls; do
    [ -z "$(calls "$f" "$report")" ] || fail "--no-libcalls recorded $f: $report"
  done
  [ "$(calls compare "$report")" -gt 0 ] || fail "--no-libcalls lost the comparator: $report"
  echo "ok: --no-libcalls: no library calls, compare $(calls compare "$report") calls"
  record -N '^memcpy$'
  [ -z "$(calls memcpy "$report")" ] || fail "-N memcpy recorded memcpy: $report"
  [ "$(calls malloc "$report")" = "$n" ] || fail "-N memcpy: malloc '$(calls malloc "$report")', expected $n"
  echo "ok: -N '^memcpy\$': no memcpy, malloc $(calls malloc "$report") calls"
  record -A 'strlen@arg1/s' -R 'strlen@retval'
  shown=$("$ARIADNE" show "$dir" -F '^strlen$') || fail "show failed"
  line=$(grep -m1 'strlen(' <<<"$shown")
  echo "$line"
  grep -q 'strlen("abcdefg")' <<<"$line" || fail "strlen's argument not captured: $line"
  grep -q '= 7' <<<"$line" || fail "strlen's return value not captured: $line"
  echo "ok: -A strlen@arg1/s -R strlen@retval: $line"
  ;;
*) fail "unknown case" ;;
esac
echo "libcalls-$case_name: OK"
