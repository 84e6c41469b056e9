#!/usr/bin/env bash
# replay_suite.sh RECORDS REPLAYS PROG... — the replay test suite's harness, in
# the style of rr's src/test/ (docs/replay.md, "The test suite").
# Environment: ARIADNE (the ariadne binary), WORK (a scratch directory).
#
# Each PROG is recorded RECORDS times with `ariadne record --replayable`; a
# recording must exit 0 and print the line EXIT-SUCCESS. Each recording is
# replayed REPLAYS times with `ariadne replay`; a replay must exit 0 and print
# the recorded stdout byte for byte. Every command is bounded by `timeout 120`.
#
# With REPLAY_TRACE=1 every replay also traces the replayed run
# (`--trace-to`), which must not change it, and `ariadne report` must read
# that trace without a problem.
#
# Programs named in the file PENDING beside this script (one per line: name,
# then the reason) run too, but their failures do not fail the suite; they are
# printed as `pending: NAME (reason): ...`, and a pending program stops at its
# first failing recording or replay, so a hang costs one timeout, not dozens.
#
# Exit: 0 when every non-pending run passed, 1 otherwise, 77 (CTest's skip)
# when this `ariadne` has no `record --replayable`, 2 on bad usage.
set -u
if [ $# -lt 3 ] || ! [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]]; then
  echo "usage: ARIADNE=... WORK=... $0 RECORDS REPLAYS PROG..." >&2
  exit 2
fi
: "${ARIADNE:?ARIADNE must name the ariadne binary}" "${WORK:?WORK must name a scratch directory}"
records=$1
replays=$2
shift 2
limit=${REPLAY_TIMEOUT:-120}

if ! "$ARIADNE" record --help 2>&1 | grep -q -- --replayable; then
  echo "replay suite: skipped: '$ARIADNE record --help' does not mention --replayable (replay not built yet)"
  exit 77
fi

# name -> reason, from PENDING
declare -A pending=()
pending_file=${PENDING_FILE:-$(dirname "$0")/PENDING}
if [ -f "$pending_file" ]; then
  while read -r name reason; do
    [ -z "$name" ] || [[ $name == \#* ]] && continue
    pending[$name]=${reason:-no reason given}
  done <"$pending_file"
fi

mkdir -p "$WORK"
export TMPDIR=$WORK/tmp  # the programs' mkdtemp directories
mkdir -p "$TMPDIR"

n_programs=0 n_records=0 n_replays=0 mismatches=0 failures=0
pending_report=()

# report KIND NAME RUN DETAIL...: one failed run, with what the caller shows after it
report() { printf 'replay suite: %s: %s, %s: %s\n' "$1" "$2" "$3" "$4"; }

for prog in "$@"; do
  [[ $prog == */* ]] || prog=./$prog
  name=$(basename "$prog")
  n_programs=$((n_programs + 1))
  is_pending=0
  [ -n "${pending[$name]+x}" ] && is_pending=1
  bad=0 first_bad=""  # this program's failed runs, and the first one
  work=$WORK/$name
  rm -rf "$work"
  mkdir -p "$work"
  for ((r = 1; r <= records; r++)); do
    dir=$work/rec$r
    rec_out=$work/rec$r.out rec_err=$work/rec$r.err
    n_records=$((n_records + 1))
    timeout -k 10 "$limit" "$ARIADNE" record --replayable -o "$dir" -- "$prog" >"$rec_out" 2>"$rec_err"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -qx EXIT-SUCCESS "$rec_out"; then
      why="exit status $rc"
      [ $rc -eq 124 ] && why="timed out after ${limit}s"
      [ $rc -eq 0 ] && why="no EXIT-SUCCESS line in its stdout"
      bad=$((bad + 1))
      [ -z "$first_bad" ] && first_bad="recording $r: $why"
      [ $is_pending -eq 1 ] && break
      failures=$((failures + 1))
      report "recording failed" "$name" "recording $r" "$why"
      tail -n 5 "$rec_err" | sed 's/^/    stderr: /'
      continue
    fi
    for ((p = 1; p <= replays; p++)); do
      rep_out=$work/rec$r.rep$p.out rep_err=$work/rec$r.rep$p.err
      n_replays=$((n_replays + 1))
      trace_args=()
      [ "${REPLAY_TRACE:-0}" = 1 ] && trace_args=(--trace-to "$work/rec$r.rep$p.trace")
      timeout -k 10 "$limit" "$ARIADNE" replay "$dir" "${trace_args[@]}" >"$rep_out" 2>"$rep_err"
      rc=$?
      kind=""
      if [ $rc -eq 0 ] && [ ${#trace_args[@]} -ne 0 ] &&
        ! "$ARIADNE" report "${trace_args[1]}" >"$rep_out.report" 2>&1; then
        kind="replay failed"
        why="ariadne report of its --trace-to: $(grep -m1 -v '^ ' "$rep_out.report")"
      elif [ $rc -ne 0 ]; then
        kind="replay failed"
        why="exit status $rc"
        [ $rc -eq 4 ] && why="exit status 4 (divergence)"
        [ $rc -eq 124 ] && why="timed out after ${limit}s"
      elif ! cmp -s "$rec_out" "$rep_out"; then
        kind="mismatch"
        why="stdout differs from the recording's"
      fi
      [ -z "$kind" ] && continue
      bad=$((bad + 1))
      [ -z "$first_bad" ] && first_bad="recording $r, replay $p: $why"
      [ $is_pending -eq 1 ] && break 2
      if [ "$kind" = mismatch ]; then mismatches=$((mismatches + 1)); else failures=$((failures + 1)); fi
      report "$kind" "$name" "recording $r, replay $p" "$why"
      diff "$rec_out" "$rep_out" | head -n 10 | sed 's/^/    diff: /'
      tail -n 5 "$rep_err" | sed 's/^/    replay stderr: /'
    done
  done
  if [ $is_pending -eq 1 ]; then
    if [ $bad -gt 0 ]; then
      pending_report+=("pending: $name (${pending[$name]}): failed at $first_bad; not counted (see $work)")
    else
      pending_report+=("pending: $name (${pending[$name]}): passed every run; take it out of PENDING")
    fi
  fi
done

for line in "${pending_report[@]}"; do echo "$line"; done
echo "replay suite: $n_programs programs, $n_records recordings, $n_replays replays, $mismatches mismatches, $failures failures"
[ $mismatches -eq 0 ] && [ $failures -eq 0 ]
