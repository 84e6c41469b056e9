#!/usr/bin/env bash
# chaos_test.sh CASE — `ariadne chaos` (issue 18, docs/replay.md "Chaos mode"):
#   find-PROG        chaos finds PROG's bug (atomicity, order, lost_wakeup)
#                    within RUNS runs, keeps that recording, and `ariadne
#                    replay` reproduces the failure REPLAYS times out of
#                    REPLAYS: the recorded exit status or signal, the same
#                    stdout and stderr;
#   same-seed        one seed gives the same schedules (the same per-run
#                    lines, schedule digests included, for a program that
#                    never fails; the same run fails for a bug); another
#                    seed gives others;
#   passing-deleted  passing runs leave nothing behind; a search that fails
#                    at run k > 1 leaves one recording, the failing one;
#   bad-options      bad options and a PROG that cannot run: exit 2, one line;
#   suite-replays    a chaos recording of each program of the replay suite
#                    (SEEDS seeds each) replays faithfully: the same exit 0
#                    and stdout (the test-only ARIADNE_CHAOS_KEEP_PASSING
#                    keeps a passing run);
#   cores            each chaos run tells the program a processor count of
#                    1 to 8 (sysconf, get_nprocs), the same through each
#                    call, not always the same one; its replay prints it too.
# Environment: ARIADNE, WORK, BIN (the bug programs), REPLAYS, MUTEX (a
# program from the replay suite that never fails), SEEDS, SUITE (the replay
# suite's programs, separated by ':').
set -u
: "${ARIADNE:?}" "${WORK:?}" "${BIN:?}" "${REPLAYS:?}" "${MUTEX:?}"
case_name=${1:?usage: chaos_test.sh CASE}
work=$WORK/$case_name
rm -rf "$work"
mkdir -p "$work"
export TMPDIR=$work
RUNS=${RUNS:-100}
fail() {
  echo "FAIL: $*"
  exit 1
}

# find PROG SEED: runs the search; sets found_line (the "run K failed" line).
# order's worker starts with 10^5 calls here, not its 10^6 (which only makes
# native runs fail less: bench/chaos_rates.sh), to keep QEMU runs short.
find_bug() {
  local prog=$1 seed=$2 args=()
  [ "$prog" = order ] && args=(100000)
  "$ARIADNE" chaos -n "$RUNS" --seed "$seed" -o "$work/rec" -- "$BIN/$prog" ${args[@]+"${args[@]}"} \
    >"$work/chaos.out" 2>"$work/chaos.err"
  local status=$?
  [ $status -eq 1 ] || {
    tail -n 3 "$work/chaos.err"
    fail "$prog: chaos exited with $status, not 1 (no failure found in $RUNS runs?)"
  }
  found_line=$(grep 'failed (PROG' "$work/chaos.err") || fail "$prog: no 'failed' line"
  grep -qx "ariadne chaos: replay it: ariadne replay $work/rec" "$work/chaos.err" ||
    fail "$prog: the replay command is not printed: $(tail -n 1 "$work/chaos.err")"
  [ -s "$work/chaos.out" ] && fail "$prog: chaos printed PROG's output on stdout"
  [ -f "$work/rec/replay.log.zst" ] || fail "$prog: the failing recording was not kept (compressed)"
}

case $case_name in
  find-*)
    prog=${case_name#find-}
    find_bug "$prog" 1
    echo "$prog: $found_line"
    recorded_status=$(sed -n 's/.*failed (PROG \(.*\)); its recording.*/\1/p' <<<"$found_line")
    case $recorded_status in
      "exited with 0" | "") fail "$prog: the kept run did not fail ($recorded_status)" ;;
    esac
    same=0
    for i in $(seq 1 "$REPLAYS"); do
      "$ARIADNE" replay "$work/rec" >"$work/rep.out" 2>"$work/rep.err"
      status=$?
      grep -v '^ariadne replay: ' "$work/rep.err" >"$work/rep.progerr"
      last=$(tail -n 1 "$work/rep.err")
      if [ $status -eq 0 ] && cmp -s "$work/rep.out" "$work/rec/replay.stdout" &&
        cmp -s "$work/rep.progerr" "$work/rec/replay.stderr" && [[ $last == *"as recorded" ]]; then
        same=$((same + 1))
      else
        echo "replay $i: exit $status: $last"
      fi
    done
    echo "$prog: last replay: $last"
    echo "$prog: $same of $REPLAYS replays reproduced the failure (PROG $recorded_status, same stdout and stderr)"
    [ "$same" -eq "$REPLAYS" ] || fail "$prog: a replay did not reproduce the failure"
    ;;
  same-seed)
    # search PROG SEED RUNS TAG: the per-run lines of one search in $work/TAG.
    search() {
      rm -rf "$work/rec"
      "$ARIADNE" chaos -n "$3" --seed "$2" -o "$work/rec" -- "$1" 2>"$work/$4.err" >/dev/null
      grep '^ariadne chaos: run ' "$work/$4.err" >"$work/$4"
    }
    same() {
      cmp -s "$work/$1" "$work/$2" || {
        diff "$work/$1" "$work/$2"
        fail "$3"
      }
    }
    # A program that never fails: every run's schedule compared.
    search "$MUTEX" 7 5 mutex7a
    search "$MUTEX" 7 5 mutex7b
    search "$MUTEX" 8 5 mutex8
    cat "$work/mutex7a"
    [ "$(wc -l <"$work/mutex7a")" -eq 5 ] || fail "not 5 runs of mutex"
    same mutex7a mutex7b "mutex, seed 7 twice: the schedules differ"
    cmp -s "$work/mutex7a" "$work/mutex8" && fail "mutex: seeds 7 and 8 gave the same schedules"
    [ "$(sed 's/.*schedule //' "$work/mutex7a" | sort -u | wc -l)" -ge 2 ] ||
      fail "mutex: all 5 runs of seed 7 were scheduled alike"
    # A bug: the same run fails.
    search "$BIN/atomicity" 7 40 bug7a
    search "$BIN/atomicity" 7 40 bug7b
    same bug7a bug7b "atomicity, seed 7 twice: the schedules differ"
    failed=$(sed -n 's/^ariadne chaos: run \([0-9]*\) failed.*/\1/p' "$work/bug7a")
    [ -n "$failed" ] || fail "atomicity: no failure in 40 runs of seed 7"
    echo "same-seed: mutex, seed 7 twice: 5 identical run lines ($(sed 's/.*schedule //' "$work/mutex7a" | sort -u | wc -l) distinct schedules), seed 8 differs; atomicity, seed 7 twice: run $failed fails both times, $(wc -l <"$work/bug7a") identical lines"
    ;;
  passing-deleted)
    "$ARIADNE" chaos -n 3 --seed 5 -o "$work/rec" -- "$MUTEX" >"$work/out" 2>"$work/err"
    status=$?
    cat "$work/err"
    [ $status -eq 0 ] || fail "chaos on a program that never fails exited with $status"
    grep -q 'no failure in 3 runs (seed 5); no recording kept' "$work/err" || fail "no closing line"
    [ "$(grep -c 'exited with 0;' "$work/err")" -eq 3 ] || fail "not 3 passing runs"
    [ -e "$work/rec" ] && fail "a passing recording was left in $work/rec"
    # A search whose first runs pass: only the failing run's recording stays.
    for seed in 1 2 3 4 5 6 7 8 9; do
      rm -rf "$work/rec2"
      "$ARIADNE" chaos -n 40 --seed "$seed" -o "$work/rec2" -- "$BIN/atomicity" 2>"$work/err2"
      k=$(sed -n 's/^ariadne chaos: run \([0-9]*\) failed.*/\1/p' "$work/err2")
      [ -n "$k" ] && [ "$k" -gt 1 ] && break
    done
    [ -n "$k" ] && [ "$k" -gt 1 ] || fail "no seed whose search failed after run 1"
    sessions=$(find "$work/rec2" -name ariadne.session | wc -l)
    logs=$(find "$work/rec2" -name "replay.log*" | wc -l)
    echo "passing-deleted: seed $seed failed at run $k; $work/rec2 holds $sessions session, $logs log"
    [ "$sessions" -eq 1 ] && [ "$logs" -eq 1 ] || fail "more than the failing recording is kept"
    ;;
  bad-options)
    mkdir -p "$work/mine"
    echo keep >"$work/mine/notes.txt"
    ok=0 total=0
    expect_refused() {
      total=$((total + 1))
      "$ARIADNE" chaos "$@" >"$work/out" 2>"$work/err"
      local status=$?
      local lines
      lines=$(grep -c . "$work/err")
      if [ $status -eq 2 ] && [ "$lines" -ge 1 ] && [ ! -s "$work/out" ]; then
        ok=$((ok + 1))
        echo "ok: chaos $*: $(head -n 1 "$work/err")"
      else
        echo "NOT REFUSED: chaos $*: exit $status: $(head -n 2 "$work/err")"
      fi
    }
    expect_refused -n 0 -- "$MUTEX"
    expect_refused -n x -- "$MUTEX"
    expect_refused -n 1000001 -- "$MUTEX"
    expect_refused --seed 0 -- "$MUTEX"
    expect_refused --seed -3 -- "$MUTEX"
    expect_refused --seed 18446744073709551616 -- "$MUTEX"
    expect_refused --seed 12x -- "$MUTEX"
    expect_refused --ticks 0 -- "$MUTEX"
    expect_refused -n 2
    expect_refused -n 2 -- "$work/no-such-program"
    expect_refused -n 2 -o "$work/mine" -- "$MUTEX"
    [ "$(cat "$work/mine/notes.txt")" = keep ] || fail "chaos touched a directory that is not a recording"
    "$ARIADNE" --help | grep -q '^ *chaos ' || fail "ariadne --help does not list chaos"
    "$ARIADNE" chaos --help | grep -q -- '--seed' || fail "ariadne chaos --help does not explain --seed"
    echo "bad-options: $ok of $total refused with exit 2"
    [ "$ok" -eq "$total" ] || fail "an option was not refused"
    ;;
  cores)
    counts=""
    for seed in 1 2 3 4 5 6; do
      rm -rf "$work/rec"
      ARIADNE_CHAOS_KEEP_PASSING=1 "$ARIADNE" chaos -n 1 --seed "$seed" -o "$work/rec" -- "$BIN/cores" \
        >/dev/null 2>"$work/err" || fail "seed $seed: chaos failed: $(tail -n 1 "$work/err")"
      line=$(cat "$work/rec/replay.stdout")
      n=$(sed -n 's/^sysconf \([1-8]\) \1 get_nprocs \1 \1$/\1/p' <<<"$line")
      [ -n "$n" ] || fail "seed $seed: not one count from 1 to 8: $line"
      "$ARIADNE" replay "$work/rec" >"$work/out" 2>"$work/err" || fail "seed $seed: replay failed: $(tail -n 1 "$work/err")"
      [ "$(cat "$work/out")" = "$line" ] || fail "seed $seed: the replay printed $(cat "$work/out")"
      counts="$counts $n"
    done
    distinct=$(tr ' ' '\n' <<<"$counts" | sort -u | grep -c .)
    echo "cores: seeds 1-6 told the program$counts processors; each replay printed the same"
    [ "$distinct" -ge 2 ] || fail "every run told the same count"
    ;;
  suite-replays)
    : "${SEEDS:?}" "${SUITE:?}"
    IFS=':' read -r -a programs <<<"$SUITE"
    ok=0 total=0
    for prog in "${programs[@]}"; do
      for ((seed = 1; seed <= SEEDS; seed++)); do
        total=$((total + 1))
        name=$(basename "$prog")
        rm -rf "$work/rec"
        ARIADNE_CHAOS_KEEP_PASSING=1 "$ARIADNE" chaos -n 1 --seed "$seed" -o "$work/rec" -- "$prog" \
          >/dev/null 2>"$work/chaos.err"
        status=$?
        if [ $status -ne 0 ]; then
          echo "$name seed $seed: chaos exited with $status: $(tail -n 1 "$work/chaos.err")"
          continue
        fi
        "$ARIADNE" replay "$work/rec" >"$work/rep.out" 2>"$work/rep.err"
        status=$?
        if [ $status -eq 0 ] && cmp -s "$work/rep.out" "$work/rec/replay.stdout"; then
          ok=$((ok + 1))
        else
          echo "$name seed $seed: replay exited with $status: $(tail -n 1 "$work/rep.err")"
        fi
      done
    done
    echo "suite-replays: ${#programs[@]} programs, $total chaos recordings, $ok replayed faithfully"
    [ "$ok" -eq "$total" ] || fail "a chaos recording did not replay"
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
