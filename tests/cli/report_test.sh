#!/usr/bin/env bash
# report_test.sh CASE ARCH — `ariadne report` end to end.
#   recursion: a recursive function's time counts once, at its outermost call:
#     fib, is_even/is_odd and a recursion left by longjmp each total at most
#     main's; on x86-64, when uftrace is installed, uftrace's shares of main
#     for the same binary agree within 5 points.
#   diff: `report NEW --diff BASE` names first the one function made 3x slower.
#   filter: -F keeps a function and its callees, -N leaves them out.
# Environment: ARIADNE, SRC_DIR (recursion.c, spin.c), WORK.
suite=report case_name=$1 arch=$2
# shellcheck source=tests/cli/test_lib.sh
. "$(dirname "$0")/test_lib.sh"

# total_ns NAME [COLUMN]: a column (1 = Total, 3 = Self) of NAME's row in $report, in ns.
total_ns() {
  awk -v f="$1" -v c="${2:-1}" '$NF == f {
    v = $c; u = $(c + 1)
    m = (u == "ns") ? 1 : (u == "us") ? 1e3 : (u == "ms") ? 1e6 : (u == "s") ? 1e9 : -1
    if (m < 0) { exit 1 } printf "%.0f\n", v * m; exit }' <<<"$report"
}

case $case_name in
diff)
  build spin
  # The same program twice, `changed` three times as long the second time.
  base=$WORK/spin-$arch.base new=$WORK/spin-$arch.new
  n=$([ "$arch" = aarch64 ] && echo 100000 || echo 1000000)  # the change well above the noise (qemu, load)
  # Self times are measured: on a loaded machine (qemu, -j2) another row's
  # noise can outgrow the change once; three tries before it counts as failed.
  for try in 1 2 3; do
    rm -rf "$base" "$new"
    "$ARIADNE" record -o "$base" -- "$(prog spin)" "$n" "$n" >/dev/null || fail "record base failed"
    "$ARIADNE" record -o "$new" -- "$(prog spin)" "$n" $((3 * n)) >/dev/null || fail "record new failed"
    # By self time: main's total holds changed's, plus whatever the machine's
    # load adds to the whole run; the change is changed's own.
    out=$("$ARIADNE" report "$new" --diff "$base" -s self) || fail "report --diff failed: $out"
    echo "$out"
    first=$(sed -n 2p <<<"$out" | awk '{print $NF}')
    [ "$first" = changed ] && break
    echo "try $try: first row is '$first', expected 'changed'"
  done
  [ "$first" = changed ] || fail "first row is '$first', expected 'changed' (3 tries)"
  calls=$(awk '$NF == "step" {print $(NF-3), $(NF-2), $(NF-1)}' <<<"$out")
  [ "$calls" = "20 20 +0.0%" ] || fail "step's calls: '$calls', expected '20 20 +0.0%'"
  err=$("$ARIADNE" report "$new" --diff "$WORK/nowhere" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] || fail "--diff with a missing BASE: exit $rc (expected 2): $err"
  echo "report-diff: OK"
  exit 0
  ;;
filter)
  build recursion
  dir=$WORK/filter-$arch.data
  rm -rf "$dir"
  "$ARIADNE" record -o "$dir" -- "$(prog recursion)" 10 >/dev/null || fail "record failed"
  only=$("$ARIADNE" report "$dir" -F '^is_even$' -s name) || fail "report -F failed"
  echo "$only"
  names=$(awk 'NR > 2 {print $NF}' <<<"$only" | tr '\n' ' ')
  [ "$names" = "is_even is_odd " ] || fail "-F is_even kept '$names', expected 'is_even is_odd '"
  hide=$("$ARIADNE" report "$dir" -N '^fib$' -s name) || fail "report -N failed"
  grep -qw fib <<<"$hide" && fail "-N fib left fib in: $hide"
  grep -qw dive <<<"$hide" || fail "-N fib dropped dive: $hide"
  echo "report-filter: OK"
  exit 0
  ;;
esac

build recursion
binary=$(prog recursion)
dir=$WORK/recursion-$arch.data
rm -rf "$dir"
"$ARIADNE" record -o "$dir" -- "$binary" 20 >/dev/null || fail "record failed"
report=$("$ARIADNE" report "$dir") || fail "report failed: $report"
echo "$report"

main_ns=$(total_ns main)
[ -n "$main_ns" ] || fail "no row for main"
for f in fib is_even is_odd dive; do
  t=$(total_ns "$f")
  [ -n "$t" ] || fail "no row for $f"
  [ "$t" -le "$main_ns" ] || fail "$f total $t ns exceeds main's $main_ns ns"
  echo "ok: $f total $t ns <= main $main_ns ns"
done

if [ "$arch" = x86_64 ] && command -v uftrace >/dev/null && [ "$(uname -m)" = x86_64 ]; then
  uftrace_report "$WORK/recursion-uftrace.data" "$binary" 20
  # --no-sched: uftrace's self time otherwise leaves out the time the thread
  # was preempted, ours does not. The two runs differ in timing (and under
  # load, a lot), so the check is on
  # what one run fixes: a recursive function's total over the self time of
  # the calls inside it. Counting the outermost call only makes it ~1 (fib's
  # total is the sum of its calls' selves); counting every nested call makes
  # it about the recursion depth.
  ratio() {  # ratio REPORT FUNC SELF_FUNCS...: FUNC's total / the sum of the selves
    local r=$1 f=$2; shift 2
    awk -v f="$f" -v selves=" $* " '
      function ns(v, u) { return v * ((u == "ns") ? 1 : (u == "us") ? 1e3 : (u == "ms") ? 1e6 : 1e9) }
      $NF == f { t = ns($1, $2) }
      index(selves, " " $NF " ") { s += ns($3, $4) }
      END { if (s > 0) printf "%.4f\n", t / s }' <<<"$r"
  }
  for spec in "fib fib" "is_even is_even is_odd"; do  # uftrace 0.13 shows no dive (the longjmp)
    # shellcheck disable=SC2086
    ours=$(ratio "$report" $spec)
    # shellcheck disable=SC2086
    theirs=$(ratio "$ureport" $spec)
    [ -n "$ours" ] && [ -n "$theirs" ] || fail "no figures for ${spec%% *}: ours '$ours', uftrace '$theirs'"
    awk -v a="$ours" -v b="$theirs" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; exit !(d <= 0.05) }' \
      || fail "${spec%% *}: total/self $ours here, $theirs in uftrace report: more than 5 % apart"
    echo "ok: ${spec%% *} total/self $ours here, $theirs in uftrace report"
  done
fi
echo "report-recursion: OK"
