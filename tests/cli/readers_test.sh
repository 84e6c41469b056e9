#!/usr/bin/env bash
# readers_test.sh CASE ARCH — what `info`, `show` and `dump` say about a real
# recording (issue 20, "small things that confused").
#   info-options: the session's options spelled out in words, one per line,
#     not as the runtime's one-letter lines ("Options L 2").
#   info-killed: PROG killed by SIGKILL -- the session and the process say the
#     same ("killed by signal 9"), not "not recorded" for the process.
#   show-filter: `show -F` indents by the calls it shows: the outermost
#     matching call at depth 0 (as `uftrace replay -F` does), not at its
#     depth in the whole recording.
#   flamegraph: `dump --flamegraph` keeps the paths whose calls timed as 0
#     (most of paths.c's 32 under qemu-aarch64, whose counter ticks in ~1 us
#     steps), and `--weight=calls` counts every call on its path.
#   srcline: `show --srcline` and `report --srcline` name each function's
#     file:line from the DWARF line table of a -g build (recursion.c: fib at
#     line 9, is_even at 12); none for a build without -g, and none once the
#     file was rebuilt differently (its build-id no longer matches).
# Environment: ARIADNE, SRC_DIR (probe.c, recursion.c, paths.c), WORK.
suite=readers case_name=$1 arch=$2
# shellcheck source=tests/cli/test_lib.sh
. "$(dirname "$0")/test_lib.sh"

# record NAME OPTIONS... -- PROG ARGS: a fresh recording in $dir
record() {
  dir=$WORK/readers-$1-$arch.data
  shift
  rm -rf "$dir"
  "$ARIADNE" record -o "$dir" "$@" >/dev/null 2>&1
}

case $case_name in
srcline)
  # shellcheck disable=SC2086
  $cc $flags -g -O0 -o "$(prog recursion)" "$SRC_DIR/recursion.c" || fail "cannot compile recursion.c -g"
  record srcline -- "$(prog recursion)" 4 || fail "record failed"
  shown=$("$ARIADNE" show "$dir" --srcline) || fail "show --srcline failed"
  head -n 6 <<<"$shown"
  grep -Eq '^ +\[ *[0-9]+\] \| +fib\(\) \{ /\* [^ ]*tests/cli/recursion\.c:9 \*/$' <<<"$shown" ||
    fail "show --srcline: no 'fib() { /* .../recursion.c:9 */' line"
  grep -Eq 'is_even\(\).* /\* [^ ]*recursion\.c:12 \*/$' <<<"$shown" || fail "show --srcline: is_even not at line 12"
  report=$("$ARIADNE" report "$dir" --srcline -s name) || fail "report --srcline failed"
  echo "$report"
  grep -Eq ' fib  [^ ]*recursion\.c:9$' <<<"$report" || fail "report --srcline: fib's row has no recursion.c:9"
  grep -Eq ' main  [^ ]*recursion\.c:20$' <<<"$report" || fail "report --srcline: main's row has no recursion.c:20"
  # Without -g: no locations, and no complaint.
  build recursion
  record srcline-nog -- "$(prog recursion)" 4 || fail "record (no -g) failed"
  "$ARIADNE" show "$dir" --srcline | grep -q 'recursion\.c:' && fail "a location shown for a build without -g"
  # The -g recording again, its file since rebuilt without -g: the build-id differs.
  dir=$WORK/readers-srcline-$arch.data
  "$ARIADNE" show "$dir" --srcline | grep -q 'recursion\.c:' && fail "a location shown from a rebuilt file"
  echo "srcline: OK"
  exit 0
  ;;
info-options)
  build probe
  record options -F probe -N nothing -D 3 -t 1us -A 'probe_work@arg1' -R 'probe_work@retval' \
    --segment-size 64K --no-env --no-drain -- "$(prog probe)" || fail "record failed"
  info=$("$ARIADNE" info "$dir") || fail "info failed: $info"
  echo "$info"
  grep -E '^(Options)? +[A-Z] ' <<<"$info" && fail "an option shown as the runtime's one-letter line"
  for want in "^Options      only functions matching 'probe' \(-F\)$" \
    "^             not the functions matching 'nothing' \(-N\)$" \
    "^             only calls less than 3 deep \(-D\)$" \
    "^             only calls of 1.000 us or more, or with such a callee \(-t\)$" \
    "^             arguments captured: probe_work@arg1 \(-A\)$" \
    "^             return value captured: probe_work@retval \(-R\)$" \
    "^             segments of 64.0 KiB \(--segment-size\)$" \
    "^             each thread copied its full segments out itself \(--no-drain\)$" \
    "^             the environment left out \(--no-env\)$"; do
    grep -qE -- "$want" <<<"$info" || fail "no line /$want/"
  done
  record default -- "$(prog probe)" || fail "record failed"
  info=$("$ARIADNE" info "$dir") || fail "info failed: $info"
  # shellcheck disable=SC2016
  grep -qE '^Options      full segments copied out beside the program by `ariadne record` \(up to 2 live files per thread\)$' \
    <<<"$info" || fail "the default recording's options: $(grep -A2 '^Options' <<<"$info")"
  ;;
info-killed)
  build probe
  record killed -- "$(prog probe)" signal 9
  info=$("$ARIADNE" info "$dir") || fail "info failed: $info"
  echo "$info"
  grep -qx "Exit         killed by signal 9" <<<"$info" || fail "the session's exit is not 'killed by signal 9'"
  grep -qE "^  Exit       killed by signal 9( \(.*\))?$" <<<"$info" \
    || fail "the process's exit disagrees with the session's: $(grep '^  Exit' <<<"$info")"
  ;;
show-filter)
  build recursion
  record recursion -- "$(prog recursion)" 3 || fail "record failed"
  for filter in '^is_even$' 'is_even'; do
    "$ARIADNE" show "$dir" -F "$filter" >"$WORK/show-$arch.txt" || fail "show -F '$filter' failed"
    # The first is_even tree (is_even(300): 301 nested calls), without the columns before the tree.
    calls=$(sed -n '3,1000s/^.*\] | //p' "$WORK/show-$arch.txt")
    head -4 <<<"$calls"
    [ "$(sed -n 1p <<<"$calls")" = "is_even() {" ] || fail "-F '$filter': the first call is not at depth 0"
    [ "$(sed -n 2p <<<"$calls")" = "  is_odd() {" ] || fail "-F '$filter': its callee is not at depth 1"
    grep -qx '} /\* is_even \*/' <<<"$calls" || fail "-F '$filter': no closing line at depth 0"
    grep -qE '^(main|  is_even)\(' <<<"$calls" && fail "-F '$filter': a line at the unfiltered depth"
  done
  # Unfiltered, is_even stays under main.
  "$ARIADNE" show "$dir" >"$WORK/show-$arch.txt" || fail "show failed"
  grep -qE '\] \|   is_even\(\) \{$' "$WORK/show-$arch.txt" || fail "unfiltered: is_even not at depth 1 under main"
  ;;
flamegraph)
  build paths
  record paths -- "$(prog paths)" || fail "record failed"
  by_time=$("$ARIADNE" dump --flamegraph "$dir") || fail "dump --flamegraph failed"
  zero=$(grep -c ' 0$' <<<"$by_time")
  echo "by time: $(wc -l <<<"$by_time") paths, $zero of them at 0 ns"
  leaves=$(grep -cE ';main;f[0-9]+;leaf [0-9]+$' <<<"$by_time")
  [ "$leaves" -eq 32 ] || fail "by time: $leaves of the 32 paths main;fNN;leaf"
  by_calls=$("$ARIADNE" dump --flamegraph --weight=calls "$dir") || fail "dump --weight=calls failed"
  grep -E ';main;f0[01](;leaf)? ' <<<"$by_calls"
  bad=$(grep -vE ' 1$' <<<"$by_calls")
  [ -z "$bad" ] || fail "by calls: a path not called once: $bad"
  n=$(grep -cE ';main(;f[0-9]+(;leaf)?)? 1$' <<<"$by_calls")
  [ "$n" -eq 65 ] || fail "by calls: $n paths, expected main, 32 fNN and 32 leaves"
  ;;
*) fail "unknown case" ;;
esac
echo "readers-$case_name: OK"
