#!/usr/bin/env bash
# stacks_test.sh CASE — machine stacks under `ariadne record` and `ariadne
# abicheck`: deep recursion, many short-lived threads, coroutine stacks
# carved from one allocation (src/trace/StackRegions.hpp).
# Environment: ARIADNE, PROBE (stacks_probe), DECODE (record_decode), WORK,
# ARCH (x86_64 or aarch64: the thread count is smaller under QEMU);
# STACKS_THREADS overrides the thread count of `threads` (a multiple of 16;
# e.g. 100000 for issue 15's acceptance run, not part of `make test`).
set -u
case_name=$1
work=$WORK/$case_name
rm -rf "$work"
mkdir -p "$work"
dir=$work/rec
fail() { echo "FAIL [$case_name]: $*" >&2; printf '%s\n' "${out:-}" | tail -20 >&2; exit 1; }
record() {
  out=$("$ARIADNE" record -o "$dir" "$@" 2>&1); rc=$?
  printf '%s\n' "$out" | tail -5
  [ "$rc" -eq 0 ] || fail "exit status $rc"
  printf '%s\n' "$out" | grep -q 'no return hook' && fail "calls went unhooked"
  # Per event kind and site: "KEY count" lines.
  events=$("$DECODE" "$dir") || fail "decoder found problems"
}
count() { printf '%s\n' "$events" | grep -cE -- "$1"; }
# Every entry has its exit (the probe's helpers are traced too).
expect_balanced() { expect_count ' exit$' "$(count ' entry ')"; }
expect_count() {
  local n; n=$(count "$1")
  [ "$n" -eq "$2" ] || fail "$n event lines match /$1/, expected $2"
}
# The probe's "maps before L lines B bytes, after L lines B bytes": equal.
expect_no_leak() {
  local line; line=$(printf '%s\n' "$out" | grep "^$1: maps before") || fail "no maps line"
  local before after
  before=$(printf '%s\n' "$line" | sed -E 's/.*before ([0-9]+ lines [0-9]+ bytes).*/\1/')
  after=$(printf '%s\n' "$line" | sed -E 's/.*after ([0-9]+ lines [0-9]+ bytes).*/\1/')
  [ "$before" = "$after" ] || fail "mappings leaked: $line"
}

case $case_name in
  deep)
    # 100,000 nested calls: every entry paired with its own exit.
    n=100000
    record -- "$PROBE" deep $n
    expect_count ' entry rec$' $((n + 1))
    expect_count ' entry main$' 1
    # main's library calls (docs/trace.md "Library calls"): atoi (strtol
    # from -O1 on: glibc's inline wrapper), strcmp.
    expect_count ' entry (atoi|strtol|strcmp)$' 2
    expect_count ' exit$' $((n + 4))
    expect_count ' exit_unwound$' 0
    report=$("$ARIADNE" report "$dir" 2>&1) || fail "report: $report"
    printf '%s\n' "$report" | grep -q 'still open' && fail "report: $(printf '%s\n' "$report" | grep 'still open')"
    printf '%s\n' "$report" | grep -qE " $((n + 1)) .* rec$" || fail "report: rec not counted $((n + 1)) times"
    out=$("$ARIADNE" abicheck -- "$PROBE" deep $n 2>&1); rc=$?
    [ "$rc" -eq 0 ] || fail "abicheck exit status $rc"
    printf '%s\n' "$out" | grep -q "ariadne abicheck: $((n + 2)) calls checked, no violation" || fail "abicheck"
    printf '%s\n' "$out" | tail -1
    ;;
  unhooked)
    # A shadow stack that may not grow past 1000 entries (ARIADNE_SHADOW_LIMIT):
    # the calls deeper than it get no return hook. Said once on stderr, and
    # the recording says how many (the process's unhooked chunk): `info`
    # shows it, `report` says those calls stay open.
    n=5000
    out=$(ARIADNE_SHADOW_LIMIT=1000 "$ARIADNE" record -o "$dir" -- "$PROBE" deep $n 2>&1); rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc"
    said=$(printf '%s\n' "$out" | grep -c 'no return hook')
    [ "$said" -eq 1 ] || fail "the runtime said 'no return hook' $said times, expected once"
    events=$("$DECODE" "$dir") || fail "decoder found problems"
    missing=$(($(count ' entry ') - $(count ' exit$')))
    [ "$missing" -gt 0 ] || fail "no exit missing: the limit did not apply"
    info=$("$ARIADNE" info "$dir" 2>&1) || fail "info: $info"
    line=$(printf '%s\n' "$info" | grep '^Unhooked ') || fail "info shows no Unhooked line"
    [[ $line == "Unhooked     $missing calls got no return hook"* ]] || fail "info: '$line', $missing exits missing"
    report=$("$ARIADNE" report "$dir" 2>&1) || fail "report: $report"
    printf '%s\n' "$report" | grep -qx "# $missing calls still open at the end of the recording (not timed)" ||
      fail "report: $(printf '%s\n' "$report" | grep '^#')"
    note=$(printf '%s\n' "$report" | grep -E "^# process [0-9]+: $missing calls got no return hook") ||
      fail "report does not say the calls got no return hook: $(printf '%s\n' "$report" | grep '^#')"
    echo "unhooked: $missing of $((n + 4)) calls' exits missing; info: $line"
    echo "unhooked: report: $note"
    ;;
  threads)
    # Short-lived threads, sixteen at a time: each one's stack is retired when
    # it ends (glibc hands it to a later thread, which must not inherit its
    # entries), and nothing is left mapped.
    n=3008
    # Under QEMU fewer: 1008 take ~6 s with the recorder and abicheck, and
    # qemu-aarch64 itself keeps ~316 KB for every thread ever started (the
    # plain program too), so 100,000 would need ~31 GB.
    [ "$ARCH" = aarch64 ] && n=496
    n=${STACKS_THREADS:-$n}
    [ $((n % 16)) -eq 0 ] || { echo "STACKS_THREADS: $n is not a multiple of 16" >&2; exit 2; }
    t=$((n + 16))  # and sixteen to warm up
    record -- "$PROBE" threads $n
    expect_count ' entry worker$' $t
    expect_count ' entry leaf$' $((10 * t))
    expect_balanced
    expect_count ' thread_exit$' $((t + 1))
    echo "threads: $(count ' entry worker$') worker entries, $(count ' entry leaf$') leaf entries," \
      "$(count ' entry ') entries and $(count ' exit$') exits in all, $(count ' thread_exit$') thread_exit"
    # The mappings, without the recorder's own (its thread logs): under
    # abicheck, which hooks every return too. One malloc arena: glibc makes
    # more as threads contend, and keeps them.
    out=$(MALLOC_ARENA_MAX=1 "$ARIADNE" abicheck -- "$PROBE" threads $n 2>&1); rc=$?
    [ "$rc" -eq 0 ] || fail "abicheck exit status $rc"
    printf '%s\n' "$out" | grep -qE "ariadne abicheck: [0-9]+ calls checked, no violation" || fail "abicheck"
    printf '%s\n' "$out" | grep -q 'no return hook' && fail "calls went unhooked"
    printf '%s\n' "$out" | grep '^threads: maps'
    expect_no_leak threads
    ;;
  coros)
    # 20,000 coroutine stacks carved from one malloc, registered through
    # the API, all with a call open at once: each pairs its own calls.
    n=20000
    record -- "$PROBE" coros $n
    printf '%s\n' "$out" | grep -q '^coros: 0 registrations refused$' || fail "registrations refused"
    expect_count ' entry co_entry$' $n
    expect_count ' entry leaf$' $((2 * n))
    expect_balanced
    expect_count ' exit_unwound$' 0
    expect_no_leak coros
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "PASS [$case_name]"
