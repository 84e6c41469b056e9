#!/usr/bin/env bash
# abicheck_test.sh CASE PROG [ARGS...]  (clean: CASE [OPTIONS] -- PROG [ARGS...]) — one end-to-end check of `ariadne abicheck`.
# Environment: ARIADNE (the binary under test), WORK (scratch dir).
set -u
case_name=$1; shift
mkdir -p "$WORK"
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

# run_abicheck OPTIONS... -- PROG ARGS: sets $out (stdout+stderr) and $rc
run_abicheck() {
  out=$("$ARIADNE" abicheck "$@" 2>&1); rc=$?
  printf '%s\n' "$out"
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
expect_line() { printf '%s\n' "$out" | grep -qE -- "$1" || fail "no line matching /$1/"; }
expect_no_line() { ! printf '%s\n' "$out" | grep -qE -- "$1" || fail "unexpected line matching /$1/"; }
hex='0x[0-9a-f]+'
# The summary's tail: calls entered but left by longjmp or an exception.
not_compared() { echo "; $1 not compared \(left by longjmp or an exception\)"; }

case $case_name in
  exit-status)
    run_abicheck -- "$1" 42
    expect_rc 42
    expect_line "^ariadne abicheck: [0-9]+ calls checked, no violation$(not_compared 0)$"
    expect_no_line "violation:"
    # Without --, everything from PROG on is PROG's, even options spelled like ours.
    run_abicheck "$1" 42 -F nothing-matches --continue
    expect_rc 42
    expect_line "^ariadne abicheck: [1-9][0-9]* calls checked, no violation$(not_compared 0)$"
    ;;
  bad-regex)
    for opt in -F -N; do
      err=$("$ARIADNE" abicheck "$opt" 'ok' "$opt" 'broken(' -- "$1" 2>&1 >/dev/null); rc=$?
      expect_rc 2
      [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "expected one line on stderr, got: $err"
      printf '%s\n' "$err" | grep -qE "^ariadne: $opt 'broken\(': invalid regular expression" \
        || fail "stderr '$err' does not name the bad regex"
      echo "ok: $err"
    done
    ;;
  help)
    help=$("$ARIADNE" help abicheck) || fail "help abicheck failed"
    for want in "x19-x28" "d8-d15" "FPCR" "r12-r15" "MXCSR" "Exit status: 3" "--continue" "-F" "-N"; do
      printf '%s\n' "$help" | grep -qF -- "$want" || fail "help abicheck does not mention '$want'"
    done
    "$ARIADNE" --help | grep -q "abicheck" || fail "--help does not list abicheck"
    echo "ok: help abicheck"
    ;;
  clean|unwound)  # clean [OPTIONS] -- PROG ARGS; unwound N [OPTIONS] -- PROG ARGS: N calls not compared
    [ "$case_name" = unwound ] && { unwound=$1; shift; }
    run_abicheck "$@"
    expect_rc 0
    expect_line "^ariadne abicheck: [0-9]+ calls checked, no violation$(not_compared "${unwound:-0}")$"
    expect_no_line "violation:"
    ;;
  seed-buggy)
    # The bug is real without the checker: the workers compute wrong results.
    plain=$("$1" 2>&1); prc=$?
    [ "$prc" -eq 1 ] || fail "the unchecked buggy scheduler exited $prc, expected 1 (wrong results): $plain"
    run_abicheck -- "$1"
    expect_rc 3
    expect_line "^ariadne abicheck: violation: seed::thread::switch_to\(\) in .*seed_sched_buggy.* \(thread [0-9]+\)$"
    # x19-x22 hold switch_to()'s own memory operands at -O0, so its prologue
    # saves them on the old stack and its epilogue restores them: exactly the
    # seed's disassembly. x23-x28 come back with the other thread's values.
    for r in 23 24 25 26 27 28; do expect_line "^ +x$r: at entry $hex, at exit $hex$"; done
    for r in 19 20 21 22; do expect_no_line "^ +x$r: "; done
    # yield() tail-calls switch_to() at -O2, so the caller shown is its caller.
    expect_line "call stack:"
    expect_line "^ +#1 $hex (main|seed::.*) \["
    ;;
  seed-fixed)
    run_abicheck -- "$1"
    expect_rc 0
    expect_line "^seed_sched: all 3 results right$"
    expect_line "^ariadne abicheck: [0-9]+ calls checked, no violation$(not_compared 0)$"
    ;;
  continue-seed)
    run_abicheck --continue -- "$1"
    expect_rc 3
    expect_line "^seed_sched: 3 threads, some result wrong$"   # the program ran to its end
    expect_line "^ariadne abicheck: [0-9]+ violations in [0-9]+ checked calls$(not_compared 0)$"
    expect_line "^ +[0-9]+ +seed::thread::switch_to\(\) +x23$"
    n=$(sed -nE 's/^ariadne abicheck: ([0-9]+) violations in .*/\1/p' <<< "$out")
    [ "${n:-0}" -ge 12 ] || fail "--continue counted ${n:-0} violations, expected x23-x28 at two switches at least"
    ;;
  filters-seed)
    # Excluding the switch and its caller leaves nothing broken to find.
    run_abicheck -N 'switch_to' -N '::yield\(' -- "$1"
    expect_rc 1
    expect_line "^ariadne abicheck: [0-9]+ calls checked, no violation$(not_compared 0)$"
    # Only switch_to checked, the report in a file.
    rm -f "$WORK/seed.report"
    run_abicheck -F '::switch_to\(' -o "$WORK/seed.report" -- "$1"
    expect_rc 3
    expect_no_line "^ariadne abicheck: violation:"
    grep -qE "^ariadne abicheck: violation: seed::thread::switch_to\(\)" "$WORK/seed.report" \
      || fail "no violation in the -o file: $(cat "$WORK/seed.report" 2>&1)"
    ;;
  planted-r12)
    run_abicheck -- "$1" r12
    expect_rc 3
    expect_line "^ariadne abicheck: violation: planted_clobber_r12 in .*abi_planted.* \(thread [0-9]+\)$"
    expect_line "^ +r12: at entry $hex, at exit 0x5eed0000dead0012$"
    expect_no_line "^ +(rbx|rbp|r13|r14|r15|rsp): "
    ;;
  planted-misaligned)
    run_abicheck -- "$1" misaligned
    expect_rc 3
    expect_line "RSP\+8 not 16-byte aligned at entry"
    expect_line "planted_misaligned_callee"
    ;;
  continue-planted)
    run_abicheck --continue -- "$1" both 3
    expect_rc 3
    expect_line "^planted: both x3 done$"
    expect_line "^ariadne abicheck: 6 violations in [0-9]+ checked calls$(not_compared 0)$"
    expect_line "^ +3 +planted_clobber_r12 +r12$"
    ;;
  filters-planted)
    run_abicheck -N '^planted_' -- "$1" both 2
    expect_rc 0
    expect_line "^ariadne abicheck: [0-9]+ calls checked, no violation$(not_compared 0)$"
    rm -f "$WORK/planted.report"
    run_abicheck -F 'clobber' -o "$WORK/planted.report" -- "$1" both
    expect_rc 3
    grep -qE "^ +r12: " "$WORK/planted.report" || fail "no r12 in the -o file: $(cat "$WORK/planted.report" 2>&1)"
    ;;
  *) fail "unknown case" ;;
esac
echo "ok [$case_name]"
