#!/usr/bin/env bash
# autoargs_test.sh CASE ARCH — `record -a`: arguments and return values placed
# and formatted from DWARF (issue 20, acceptance 3).
#   show: autoargs.c built with `ariadne flags --debug` at -O0 and at -O2 and
#     recorded with -a; `show` prints every call's values by name and type,
#     the same lines at both levels (captured at entry from the registers the
#     calling convention names, whatever the optimisation), and on both
#     architectures (the only difference: a 32-byte struct is in memory on
#     x86-64 and passed by reference on AArch64, shown {...} on both).
#     `dump --chrome` puts the same names and texts in its events' args.
#   refused: -a without DWARF (no -g), -a with -A, -a with --replayable: each
#     refused with one line saying why, exit 2, PROG not run.
# Environment: ARIADNE, SRC_DIR (autoargs.c), WORK.
suite=autoargs case_name=$1 arch=$2
# shellcheck source=tests/cli/test_lib.sh
. "$(dirname "$0")/test_lib.sh"

expected='main() {
  add(a: -3, b: 4000000000) = 3999999997;
  paint(c: GREEN, on: true) = BLUE;
  paint(c: 7, on: false) = RED;
  initial(name: "ariadne", fallback: '"'?'"') = '"'a'"';
  initial(name: (bad string), fallback: '"'?'"') = '"'?'"';
  scale(x: 1.5, f: 0.25, n: 3) = 1.125;
  advance(p: 0x1000, n: 16) = 0x1010;
  move(p: {x=1, y=-2}, dx: 10) = {x=11, y=-2};
  norm2(v: {x=3, y=4}) = 25;
  fsum(p: {a=0.5, b=2}) = 2.5;
  sum_pair(p: {a=100000000000, b=-7}) = 99999999993;
  pick(b: {...}, k: 2) = 30;
  is_upper(c: '"'Q'"') = true;
  twice(s: -300) = -600;
  name_of(c: BLUE) = "blue";
  print_all(format: "%d-%d", ...) = 3;
} = 0 /* main */'

case $case_name in
show)
  for level in 0 2; do
    # shellcheck disable=SC2086
    $cc $("$ARIADNE" flags --debug --arch "$arch") -O$level -o "$(prog O$level)" "$SRC_DIR/autoargs.c" ||
      fail "cannot compile autoargs.c -O$level"
    dir=$WORK/autoargs-O$level-$arch.data
    rm -rf "$dir"
    "$ARIADNE" record -a --no-libcalls -o "$dir" -- "$(prog O$level)" >/dev/null 2>&1 || fail "record -a (-O$level) failed"
    shown=$("$ARIADNE" show "$dir") || fail "show (-O$level) failed"
    calls=$(sed -n '/main() {/,/\/\* main \*\//s/^.*\] | //p' <<<"$shown")
    echo "-O$level:"
    echo "$calls"
    [ "$calls" = "$expected" ] || fail "-O$level: show's lines differ from the expected ones: $(diff <(echo "$expected") <(echo "$calls"))"
  done
  # dump --chrome: the same names and texts in the B and E events' args.
  chrome=$("$ARIADNE" dump --chrome "$dir") || fail "dump --chrome failed"
  for want in '"name":"paint","args":{"c":"GREEN","on":"true"}}' '"name":"paint","args":{"retval":"BLUE"}}' \
    '"name":"move","args":{"p":"{x=1, y=-2}","dx":"10"}}' '"name":"fsum","args":{"p":"{a=0.5, b=2}"}}' \
    '"name":"initial","args":{"name":"\"ariadne\"","fallback":"'"'?'"'"}}'; do
    grep -qF -- "$want" <<<"$chrome" || fail "dump --chrome: no $want"
  done
  info=$("$ARIADNE" info "$dir") || fail "info failed"
  grep -qE '^ +arguments and return values of [0-9]+ functions?, formatted from DWARF \(-a\)$' <<<"$info" ||
    fail "info does not say -a: $(grep -A3 '^Options' <<<"$info")"
  echo "show: OK"
  ;;
refused)
  build autoargs  # no -g
  for options in "-a" "-a -A add@arg1" "-a --replayable"; do
    # shellcheck disable=SC2086
    out=$("$ARIADNE" record $options -o "$WORK/autoargs-refused-$arch.data" -- "$(prog autoargs)" 2>&1)
    status=$?
    echo "record $options: $out (exit $status)"
    [ $status -eq 2 ] || fail "record $options: exit $status, expected 2"
    [ "$(wc -l <<<"$out")" -eq 1 ] || fail "record $options: not one line"
    grep -q 'autoargs:' <<<"$out" && fail "record $options: PROG ran"
  done
  grep -q "no DWARF" <<<"$("$ARIADNE" record -a -o "$WORK/autoargs-refused-$arch.data" -- "$(prog autoargs)" 2>&1)" ||
    fail "-a without -g does not say there is no DWARF"
  echo "refused: OK"
  ;;
*) fail "unknown case" ;;
esac
