#!/usr/bin/env bash
# record_test.sh CASE — one check of `ariadne record` (the writer side).
# Environment: ARIADNE (the binary under test), PROBE (record_probe),
# DECODE (record_decode), PLUGIN (record_plugin.so), WORK (scratch dir).
set -u
case_name=$1
work=$WORK/$case_name
rm -rf "$work"
mkdir -p "$work"
dir=$work/rec
fail() { echo "FAIL [$case_name]: $*" >&2; printf '%s\n' "${events:-}" | head -60 >&2; exit 1; }

# record OPTIONS... -- PROG ARGS: sets $out (the program's and our stderr) and $rc
# Every case: no loader complained (under qemu-user a preload that reaches the
# host's loader, qemu's or sh's, prints "ERROR: ld.so: object ... cannot be
# preloaded" and the program runs on).
record() {
  out=$("$ARIADNE" record -o "$dir" "$@" 2>&1); rc=$?
  printf '%s\n' "$out"
  ! printf '%s\n' "$out" | grep -q 'cannot be preloaded' \
    || fail "a loader complained: $(printf '%s\n' "$out" | grep 'cannot be preloaded' | head -1)"
}
# decode: sets $events; fails on any checksum problem
decode() {
  events=$("$DECODE" "$dir") || fail "decoder found problems: $(printf '%s\n' "$events" | grep problem: | head -5)"
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
expect_out() { printf '%s\n' "$out" | grep -qE -- "$1" || fail "no output line matching /$1/"; }
# count REGEX: lines of $events matching
count() { printf '%s\n' "$events" | grep -cE -- "$1"; }
expect_count() {
  local n; n=$(count "$1")
  [ "$n" -eq "$2" ] || fail "$n event lines match /$1/, expected $2"
}
expect_at_least() {
  local n; n=$(count "$1")
  [ "$n" -ge "$2" ] || fail "$n event lines match /$1/, expected at least $2"
}
summary='^ariadne record: .*: [0-9]+ process(es)?, [0-9]+ threads?, [0-9]+ calls, [0-9]+ bytes on disk \([0-9.]+ bytes per call\)$'
# Library calls are recorded too (docs/trace.md "Library calls"): main's
# argument parsing (atoi, which glibc inlines into strtol from -O1 on, then
# strcmp until the mode matches) and a
# mode's own libc calls (usleep...) are calls like the probe's functions.

case $case_name in
  basic)
    record -- "$PROBE" basic 4
    expect_rc 0
    expect_out "$summary"
    [ -f "$dir/ariadne.session" ] || fail "no session file"
    decode
    expect_count ' entry main$' 1
    expect_count ' entry outer$' 1
    expect_count ' entry worker$' 2
    expect_count ' entry leaf$' 12
    expect_count ' thread_start parent=0$' 1
    main_tid=$(printf '%s\n' "$events" | awk '$3 == "thread_start" && $4 == "parent=0" {print $2}')
    expect_count " thread_start parent=$main_tid$" 2
    expect_count ' thread_exit$' 3
    # Every thread's events are balanced, and its first event is thread_start.
    for tid in $(printf '%s\n' "$events" | awk '$3 == "thread_start" {print $2}'); do
      local_events=$(printf '%s\n' "$events" | awk -v t="$tid" '$2 == t && $3 != "segment"')
      first=$(printf '%s\n' "$local_events" | head -1 | awk '{print $3}')
      [ "$first" = thread_start ] || fail "thread $tid starts with $first"
      e=$(printf '%s\n' "$local_events" | grep -c ' entry ')
      x=$(printf '%s\n' "$local_events" | grep -c ' exit$')
      [ "$e" -eq "$x" ] || fail "thread $tid: $e entries, $x exits"
    done
    ls "$dir"/*/t*.seg.zst >/dev/null 2>&1 || fail "no compressed segment"
    ! ls "$dir"/*/t*.seg >/dev/null 2>&1 || fail "raw segments left"
    printf '%s\n' "$events" | grep -q 'process pid=[0-9]* .*end=0:0' || fail "no process_end"
    expect_out ": 1 process, 3 threads, $(count ' entry ') calls, "
    ;;
  paths)
    # The fused assembly path (the default for a plain recording) and the
    # generic dispatcher write the same events: per thread, the same
    # sequence (pids, tids and segment boundaries aside, which differ from
    # run to run), through roll-overs, threads, signals, fork, exceptions,
    # longjmp, tail calls, site numbers of more than 7 bits, and the fused
    # path turned off and on again mid-run (another handler added and
    # removed: the sites' stubs go the generic way meanwhile).
    # normalized: one line per thread (its events), sorted.
    normalized() {
      printf '%s\n' "$events" | awk '$3 != "segment" && $3 != "process" {
          k = $1 " " $2; $1 = ""; $2 = ""; seq[k] = seq[k] "|" $0 } END { for (k in seq) print seq[k] }' |
        sed -E 's/=[0-9]{3,}/=N/g' | sort
    }
    for args in "basic 4" "loop 3000" "signal" "fork" "unwind 3" "many 3" "handoff 5"; do
      record --segment-size 4096 -- "$PROBE" $args
      expect_rc 0
      decode
      fused=$(normalized)
      record --generic-path --segment-size 4096 -- "$PROBE" $args
      expect_rc 0
      decode
      generic=$(normalized)
      [ "$fused" = "$generic" ] || fail "probe $args: fused and generic paths differ:
$(diff <(printf '%s\n' "$fused" | tr '|' '\n') <(printf '%s\n' "$generic" | tr '|' '\n') | head -20)"
      [ "$(printf '%s\n' "$fused" | grep -o ' entry ' | wc -l)" -ge 3 ] || fail "probe $args: too few calls"
    done
    ;;
  rollover)
    record --segment-size 4096 -- "$PROBE" loop 6000
    expect_rc 0
    decode
    expect_count ' entry leaf$' 6000
    expect_count ' entry (atoi|strtol|strcmp)$' 4
    expect_count ' exit$' 6005
    expect_at_least ' segment seq=[0-9]+ sealed=1' 5
    expect_count ' lost ' 0
    expect_out ", 6005 calls, "
    ;;
  drain)
    # Full segments copied out by `ariadne record` beside the program, or by
    # the thread itself when none is handed back in time (with 4 KiB
    # segments both happen, racing for the same files), or always by the
    # threads (--no-drain): the same complete events every time.
    for flags in "" "--no-drain"; do
      out=$(ARIADNE_RECORD_STATS=1 "$ARIADNE" record -o "$dir" --segment-size 4096 $flags -- "$PROBE" paced 20000 2>&1)
      rc=$?
      expect_rc 0
      decode
      expect_count ' lost ' 0  # first: a lost marker says why calls are missing
      expect_count ' entry leaf$' 20000
      expect_count ' entry usleep$' 200  # paced: one every 100 calls
      expect_count ' exit$' 20207        # and main, atoi, 5 strcmp
      expect_at_least ' segment seq=[0-9]+ sealed=1' 20
      ! ls "$dir"/*/*.live >/dev/null 2>&1 || fail "live files left: $(ls "$dir"/*/)"
      copied=$(printf '%s\n' "$out" | sed -nE 's/^ariadne record: ([0-9]+) full segments copied out beside the program$/\1/p')
      echo "flags '$flags': $copied segments copied out by ariadne record"
      if [ -z "$flags" ]; then [ "${copied:-0}" -gt 0 ] || fail "the drainer copied nothing"
      else [ "${copied:-x}" = 0 ] || fail "--no-drain, yet $copied segments copied out by ariadne record"; fi
    done
    # Three threads rolling over at once.
    record --segment-size 4096 -- "$PROBE" basic 2000
    expect_rc 0
    decode
    expect_count ' entry leaf$' 6000
    expect_count ' thread_exit$' 3
    expect_count ' lost ' 0
    ! ls "$dir"/*/*.live >/dev/null 2>&1 || fail "live files left: $(ls "$dir"/*/)"
    ;;
  fork)
    # The child's stream starts with the calls open at the fork: from the
    # shadow stack in a plain recording, from the recorder's own list with
    # options (-D).
    for flags in "" "-D 50"; do
      record $flags -- "$PROBE" fork 5
      expect_rc 0
      decode
      [ "$(ls -d "$dir"/*/ | wc -l)" -eq 2 ] || fail "expected 2 process directories"
      expect_count ' fork child=[0-9]+$' 1
      expect_count ' fork_child parent=[0-9]+ main fork_here fork$' 1
      expect_count ' entry child_fn$' 5
      child=$(printf '%s\n' "$events" | awk '$3 == "fork" {sub("child=", "", $4); print $4}')
      expect_count "^$child process pid=$child .*forked_from=[0-9]+" 1
      expect_count "^$child [0-9]+ entry child_fn$" 5
      expect_count "^$child [0-9]+ exit$" 7  # fork, fork_here and child_fn (main calls exit)
    done
    ;;
  exec)
    record -- "$PROBE" exec
    expect_rc 0
    decode
    expect_count ' exec /proc/self/exe$' 1
    pid=$(printf '%s\n' "$events" | awk '$2 == "process" {print $1; exit}')
    [ -d "$dir/$pid.1" ] || fail "no $pid.1 directory for the exec'd image: $(ls "$dir")"
    expect_count "^$pid.1 [0-9]+ entry leaf$" 5
    expect_count "^$pid [0-9]+ entry leaf$" 2
    expect_count "^$pid [0-9]+ exec /nonexistent/prog$" 1
    expect_count "^$pid [0-9]+ exec_failed errno=2$" 1
    ;;
  exec-env)
    # A new image started every way a program can, each time with an
    # environment of the program's own (no LD_PRELOAD, a stale
    # ARIADNE_RECORD), is recorded in a directory of its own, and `show`
    # draws its calls under that image's header.
    record -- "$EXEC_PROBE" run
    expect_rc 0
    expect_out '^exec_env_probe: 10 of 10 images ran with their own environment$'
    # Under qemu-user the preload must not reach the host's loader (of qemu, of sh).
    ! printf '%s\n' "$out" | grep -q 'ld\.so' || fail "a loader complained: $(printf '%s\n' "$out" | grep 'ld\.so' | head -1)"
    decode
    shown=$("$ARIADNE" show "$dir" 2>&1) || fail "ariadne show failed: $shown"
    for m in execl execle execv execve execvp execvpe fexecve posix_spawn posix_spawnp system; do
      expect_count " entry image_$m$" 3
      key=$(printf '%s\n' "$events" | awk -v f="image_$m" '$3 == "entry" && $4 == f {print $1; exit}')
      case $m in
        posix_spawn*) ;;  # a process of its own, not an exec'd image
        system) ;;        # sh's image is recorded only where sh can load the runtime (not on AArch64)
        *)
          [[ $key == *.1 ]] || fail "$m: image_$m recorded in $key, not in an exec'd image"
          expect_count "^${key%.1} [0-9]+ exec " 1
          ;;
      esac
      drawn=$(printf '%s\n' "$shown" | awk -v k="($key)," -v f="image_$m(" \
        '/^# process / {mine = ($4 == k)} mine && index($0, f) {n++} END {print n + 0}')
      [ "$drawn" -eq 3 ] || fail "show draws $drawn calls of image_$m under process $key, expected 3"
    done
    ;;
  signal)
    record -- "$PROBE" signal
    expect_rc 0
    expect_out "^signal handled sink=100$"
    decode
    expect_count " signal $(kill -l USR1 >/dev/null 2>&1 && echo 10)$" 1
    expect_count ' entry on_usr1$' 1
    # The signal event comes before the handler's calls.
    printf '%s\n' "$events" | grep -E ' signal 10$| entry on_usr1$' | head -1 | grep -q ' signal 10$' \
      || fail "signal is not before on_usr1"
    ;;
  sighandler)
    # Calls in signal handlers: recorded, or counted as lost. A handler that
    # interrupts the recorder mid-event cannot be recorded (the event is half
    # written); its signal event and its traced call (in_handler_leaf, entry
    # + exit; -F leaves the handler function itself out) are then 3 lost
    # events, and `report` prints the total. Counted with `report` (the
    # recording holds ~10^6 calls of leaf; a decoder's listing would be slow).
    record -F '^(leaf|in_handler_leaf)$' -- "$PROBE" sighandler 200
    expect_rc 0
    expect_out "^handled 200 signals"
    report=$("$ARIADNE" report "$dir" 2>&1) || fail "report failed: $report"
    recorded=$(printf '%s\n' "$report" | awk '$NF == "in_handler_leaf" {print $5}')
    lost=$(printf '%s\n' "$report" | sed -n 's/^# \([0-9]*\) events lost while recording (not counted above)$/\1/p')
    echo "sighandler: ${recorded:-0} of 200 handler calls recorded, ${lost:-0} events lost"
    printf '%s\n' "$report" | grep -E 'in_handler_leaf|lost'
    # Every handler call not recorded is 3 lost events, or 2 when its `signal`
    # event got written before the interruption (seen once in native-release
    # under -j2: 135 lost for 47 unrecorded calls). Under load, 2 of 60 runs
    # also counted one event more than the triples (likely a handler that
    # lost its own `signal` event but whose call was recorded; not yet
    # confirmed). So: at least two per unrecorded call, at most three per
    # unrecorded call and one per recorded one; nothing unrecorded goes
    # uncounted.
    unrecorded=$((200 - ${recorded:-0}))
    min=$((2 * unrecorded)) max=$((3 * unrecorded + ${recorded:-0}))
    [ "${lost:-0}" -ge "$min" ] && [ "${lost:-0}" -le "$max" ] \
      || fail "${lost:-0} events lost, expected $min to $max"
    ;;
  sigkill)
    record -- "$PROBE" kill 2000
    expect_rc 137
    printed=$(printf '%s\n' "$out" | sed -n 's/^counted \([0-9]*\)$/\1/p')
    [ -n "$printed" ] || fail "the program printed no count"
    decode
    expect_at_least ' entry counted$' "$printed"
    expect_at_least ' exit$' "$printed"
    ;;
  segv)
    record -- "$PROBE" segv 10
    expect_rc 139
    decode
    expect_count ' entry counted$' 10
    expect_count ' signal 11$' 1
    printf '%s\n' "$events" | grep -q 'process pid=.* end=1:11' || fail "no process_end for the signal"
    ;;
  filter)
    record -F '^(outer|leaf|worker)$' -N '^leaf$' -- "$PROBE" basic 3
    expect_rc 0
    decode
    expect_count ' entry outer$' 1
    expect_count ' entry worker$' 2
    expect_count ' entry (leaf|main)$' 0
    ;;
  lost)
    record --segment-size 4096 -- "$PROBE" lost 6000
    expect_rc 0
    decode
    lost=$(printf '%s\n' "$events" | awk '$3 == "lost" {s += $4} END {print s + 0}')
    entries=$(count ' entry leaf$')
    echo "lost $lost events, $entries entries of leaf recorded"
    [ "$lost" -gt 0 ] || fail "no lost marker"
    [ "$entries" -gt 0 ] && [ "$entries" -lt 6000 ] || fail "$entries entries of leaf"
    # No silent gap: every leaf call not recorded is among the lost events
    # (which also count the thread's other calls, entries and exits).
    [ $((entries + lost)) -ge 6000 ] || fail "entries $entries + lost $lost < 6000 calls"
    ;;
  dlopen)
    record -- "$PROBE" dlopen "$PLUGIN"
    expect_rc 0
    decode
    expect_count ' entry plugin_fn$' 3
    ;;
  depth)
    record -D 3 -- "$PROBE" depth 10
    expect_rc 0
    decode
    expect_count ' entry main$' 1
    expect_count ' entry rec$' 2
    expect_count ' entry (atoi|strtol|strcmp)$' 9  # depth 1, as the first rec
    expect_count ' exit$' 12
    ;;
  time)
    # 10 ms: far above any fast() call, even one preempted under QEMU on a
    # busy machine; slow() sleeps 30 ms.
    record -t 10ms -- "$PROBE" time 50
    expect_rc 0
    decode
    expect_count ' entry slow$' 1
    expect_count ' entry fast$' 0
    expect_count ' entry main$' 1
    expect_count ' entry usleep$' 1  # slow()'s 30 ms
    expect_count ' exit$' 3
    ;;
  capture)
    record -A 'capture_me@arg1,arg2/s,arg3,fparg1' -R 'ret_me@retval' -R '^capture_me$@retval/x' -- "$PROBE" args
    expect_rc 0
    decode
    expect_count ' entry capture_me 42 "hello" -7 2.5$' 1
    expect_count ' entry capture_me 1 <bad> 0 0$' 1
    expect_count ' exit retval=0x[0-9a-f]+$' 2
    expect_count ' exit retval=99$' 1
    ;;
  bad-options)
    for args in "-F broken( --" "-N a[ --" "-t 10parsecs --" "-D 0 --" "-A nospec --" "-A f@arg0 --" \
                "-A f@arg1/q --" "-R f@arg1 --" "--segment-size 12 --"; do
      # shellcheck disable=SC2086
      err=$("$ARIADNE" record -o "$dir" $args "$PROBE" basic 2>&1 >/dev/null); rc=$?
      expect_rc 2
      [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$args: expected one line on stderr, got: $err"
      echo "ok: $args -> $err"
    done
    ;;
  refuse-dir)
    mkdir -p "$dir" && echo precious > "$dir/file.txt"
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" basic 2>&1 >/dev/null); rc=$?
    expect_rc 2
    printf '%s\n' "$err" | grep -q "not an ariadne recording" || fail "unclear refusal: $err"
    [ -f "$dir/file.txt" ] || fail "the directory was touched"
    err=$("$ARIADNE" record -o "$dir" -- /nonexistent/prog 2>&1 >/dev/null); rc=$?
    expect_rc 2
    [ -f "$dir/file.txt" ] || fail "the directory was touched for a missing PROG"
    rm -rf "$dir"
    record -- "$PROBE" loop 1
    expect_rc 0
    record -- "$PROBE" loop 2   # an earlier recording is replaced
    expect_rc 0
    decode
    expect_count ' entry leaf$' 2
    ;;
  dir-marker)
    # Issue 16 finding 1: a file named ariadne.session made any directory
    # "an earlier recording", and everything in it was deleted.
    mkdir -p "$dir/.git/objects" "$dir/sub"
    : > "$dir/ariadne.session"
    echo precious > "$dir/notes.txt"
    echo kept > "$dir/.git/objects/x"
    before=$(cd "$dir" && find . | sort)
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    echo "empty ariadne.session -> $err"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "expected one line, got: $err"
    printf '%s\n' "$err" | grep -q "not a recording's session file" || fail "unclear refusal: $err"
    [ "$(cd "$dir" && find . | sort)" = "$before" ] || fail "the directory was touched: $(cd "$dir" && find . | sort)"
    # A symlink named ariadne.session, even to a real session file.
    rm -rf "$work/real" && "$ARIADNE" record -o "$work/real" -- "$PROBE" loop 1 >/dev/null 2>&1
    rm "$dir/ariadne.session" && ln -s "$work/real/ariadne.session" "$dir/ariadne.session"
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    echo "symlinked ariadne.session -> $err"
    [ -f "$dir/notes.txt" ] && [ -f "$dir/.git/objects/x" ] || fail "the directory was touched (symlink)"
    # A real earlier recording with a user's file beside it: refused, the
    # recording and the file both kept.
    rm -rf "$dir" && record -- "$PROBE" loop 1 && expect_rc 0
    echo precious > "$dir/notes.txt"
    before=$(cd "$dir" && find . | sort)
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" loop 2 2>&1 >/dev/null); rc=$?
    expect_rc 2
    echo "recording + notes.txt -> $err"
    printf '%s\n' "$err" | grep -q "'notes.txt', which \`ariadne record\` did not write" || fail "unclear refusal: $err"
    [ "$(cd "$dir" && find . | sort)" = "$before" ] || fail "the recording was touched"
    # ... or inside a process folder.
    rm "$dir/notes.txt"
    proc=$(cd "$dir" && ls -d [0-9]* | head -1)
    echo mine > "$dir/$proc/mine.txt"
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" loop 2 2>&1 >/dev/null); rc=$?
    expect_rc 2
    [ -f "$dir/$proc/mine.txt" ] && [ -f "$dir/$proc/process" ] || fail "the process folder was touched"
    # -o .. from a folder of a directory with other files.
    mkdir -p "$work/parent/child" && echo keep > "$work/parent/keep.txt"
    err=$(cd "$work/parent/child" && "$ARIADNE" record -o .. -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    [ -f "$work/parent/keep.txt" ] && [ -d "$work/parent/child" ] || fail "-o .. touched the parent"
    # A real recording alone is replaced.
    rm "$dir/$proc/mine.txt"
    record -- "$PROBE" loop 2
    expect_rc 0
    decode
    expect_count ' entry leaf$' 2
    ;;
  dir-lock)
    # Issue 16 finding 2: two recorders into one directory destroyed each
    # other's files. The second is refused while the first records.
    "$ARIADNE" record -o "$dir" -- "$PROBE" spin 8 >"$work/first.out" 2>&1 &
    first=$!
    for _ in $(seq 200); do grep -q spinning "$work/first.out" 2>/dev/null && break; sleep 0.1; done
    grep -q spinning "$work/first.out" || fail "the first recording did not start: $(cat "$work/first.out")"
    err=$("$ARIADNE" record -o "$dir" -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    echo "second recorder -> $err"
    printf '%s\n' "$err" | grep -q "another \`ariadne record\` is recording into it" || fail "unclear refusal: $err"
    wait $first; rc=$?
    out=$(cat "$work/first.out")
    expect_rc 0
    expect_out "$summary"
    decode
    [ "$(count ' entry leaf$')" -ge 200 ] || fail "the first recording lost its calls"
    ;;
  empty-output)
    # Issue 16 finding 6: -o '' aborted with an uncaught filesystem_error.
    err=$("$ARIADNE" record -o '' -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    echo "-o '' -> $err"
    [ "$err" = "ariadne: -o '': expected a directory name" ] || fail "unexpected: $err"
    ;;
  recorder-death)
    # Issue 16 finding 9: with `ariadne record` SIGKILLed, the program ran on
    # writing raw segments without bound. Now each thread stops at its next
    # segment: the recording stops growing within a second, the program
    # runs on, and what was recorded stays readable.
    "$ARIADNE" record -o "$dir" --segment-size 64K -- "$PROBE" spin 60 >"$work/out" 2>&1 &
    recorder=$!
    for _ in $(seq 200); do grep -q spinning "$work/out" 2>/dev/null && break; sleep 0.1; done
    grep -q spinning "$work/out" || fail "the recording did not start: $(cat "$work/out")"
    sleep 0.5
    kill -KILL $recorder
    wait $recorder 2>/dev/null
    target=$(cd "$dir" && ls -d [0-9]* | head -1)
    sleep 1
    size1=$(du -sb "$dir" | cut -f1)
    files1=$(find "$dir" -type f | wc -l)
    sleep 1.5
    size2=$(du -sb "$dir" | cut -f1)
    files2=$(find "$dir" -type f | wc -l)
    echo "after the recorder's death: $size1 bytes in $files1 files, 1.5 s later $size2 bytes in $files2 files"
    kill -0 "$target" 2>/dev/null || fail "the program did not run on"  # (it spins for a minute)
    [ "$size1" -eq "$size2" ] && [ "$files1" -eq "$files2" ] || { kill -KILL "$target"; fail "the recording still grows"; }
    kill -TERM "$target"  # it would spin for a minute
    for _ in $(seq 200); do kill -0 "$target" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$target" 2>/dev/null || fail "the program did not end"
    ! ls "$dir"/*/*.tmp >/dev/null 2>&1 || fail "half-written files left: $(ls "$dir"/*/)"
    decode
    [ "$(count ' entry leaf$')" -ge 200 ] || fail "what was recorded is gone"
    ;;
  sigint)
    # Issue 16 finding 9: SIGINT sent to `ariadne record` alone was ignored.
    # It is forwarded (the program dies of it) and the recording finished.
    # (env --default-signal: a background job of a script starts with
    # SIGINT ignored, and the program would inherit that.)
    start=$(date +%s)
    env --default-signal=INT "$ARIADNE" record -o "$dir" -- "$PROBE" spin 30 >"$work/out" 2>&1 &
    recorder=$!
    for _ in $(seq 200); do grep -q spinning "$work/out" 2>/dev/null && break; sleep 0.1; done
    grep -q spinning "$work/out" || fail "the recording did not start: $(cat "$work/out")"
    kill -INT $recorder
    wait $recorder; rc=$?
    out=$(cat "$work/out")
    echo "SIGINT to the recorder: exit $rc after $(($(date +%s) - start)) s"
    expect_rc 130
    [ $(($(date +%s) - start)) -lt 25 ] || fail "the program was not interrupted"
    expect_out "$summary"
    decode
    printf '%s\n' "$events" | grep -q 'process pid=[0-9]* .*end=1:2' || fail "no process_end for SIGINT"
    ;;
  private)
    # Issue 16 finding 10: recordings followed the umask (world-readable)
    # and stored the whole environment. Now 0700/0600 whatever the umask,
    # and --no-env leaves the environment out.
    (umask 022 && MY_API_TOKEN=s3cr3t-value "$ARIADNE" record -o "$dir" --segment-size 4096 -- "$PROBE" fork 3 >/dev/null 2>&1)
    open=$(find "$dir" -perm /077 | head -5)
    echo "files readable by others: ${open:-none}"
    [ -z "$open" ] || fail "not private: $(ls -la "$dir" "$dir"/*/ | head -20)"
    [ "$(stat -c %a "$dir")" = 700 ] || fail "DIR is $(stat -c %a "$dir")"
    grep -rqa s3cr3t-value "$dir" || fail "the environment is not stored by default"
    rm -rf "$dir"
    (umask 000 && MY_API_TOKEN=s3cr3t-value "$ARIADNE" record -o "$dir" --no-env -- "$PROBE" fork 3 >/dev/null 2>&1)
    open=$(find "$dir" -perm /077 | head -5)
    [ -z "$open" ] || fail "not private under umask 000: $open"
    ! grep -rqa s3cr3t-value "$dir" || fail "--no-env: the environment is in $(grep -rla s3cr3t-value "$dir")"
    decode
    expect_count ' entry child_fn$' 3
    ;;
  max-size)
    # --max-size: recording stops past SIZE, said by `ariadne record`, in
    # the recording and by `ariadne report`; the program runs to its end.
    record --max-size 64K --segment-size 64K -- "$PROBE" spin 3
    expect_rc 0
    expect_out '^ariadne record: recording stopped when it passed --max-size 64K \(65536 bytes\)'
    size=$(du -sb "$dir" | cut -f1)
    echo "recording: $size bytes"
    [ "$size" -lt $((4 * 1024 * 1024)) ] || fail "$size bytes: not stopped"
    report=$("$ARIADNE" report "$dir" 2>&1); rc=$?
    printf '%s\n' "$report" | grep -q '^# recording stopped when it passed --max-size (65536 bytes)' \
      || fail "report does not say: $report"
    err=$("$ARIADNE" record -o "$dir" --max-size 1K -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
    expect_rc 2
    [ "$err" = "ariadne: --max-size '1K': expected a size of at least 64K (bytes, or a number with the suffix K, M or G)" ] \
      || fail "unexpected: $err"
    ;;
  options-range)
    # Issue 16 finding 11: -t overflowed (9223372036s recorded everything,
    # 18446744073s passed to the runtime), -D -1 meant no limit, -D '' was
    # -D 0. Each is one exact line and status 2 now.
    check_refused() {
      local expected=$1; shift
      err=$("$ARIADNE" record -o "$dir" "$@" -- "$PROBE" loop 1 2>&1 >/dev/null); rc=$?
      echo "ok? $* -> rc $rc: $err"
      expect_rc 2
      [ "$err" = "$expected" ] || fail "$*: expected '$expected', got '$err'"
      [ ! -e "$dir" ] || fail "$*: DIR created"
    }
    tmsg() { echo "ariadne: -t '$1': expected a duration from 1ns to 86400s, like 500ns, 10us, 2ms or 1s"; }
    for t in 9223372036s 18446744073s 86401s 0 0ns 99999999999999 -1 ""; do check_refused "$(tmsg "$t")" -t "$t"; done
    for d in -1 "" 0 100001 " 3" 3x; do
      check_refused "ariadne: -D '$d': expected a depth from 1 to 100000" -D "$d"
    done
    record -t 86400s -- "$PROBE" loop 5
    expect_rc 0
    decode
    expect_count ' entry leaf$' 0
    record -D 100000 -- "$PROBE" loop 5
    expect_rc 0
    decode
    expect_count ' entry leaf$' 5
    ;;
  select-missing)
    # Issue 16 finding 11: --pid/--tid not in the recording printed nothing
    # and exited 0.
    record -- "$PROBE" loop 3
    expect_rc 0
    for cmd in report show graph dump info; do
      extra=; [ $cmd = graph ] && extra=leaf; [ $cmd = dump ] && extra=--flamegraph
      err=$("$ARIADNE" $cmd "$dir" $extra --pid 999999999 2>&1 >/dev/null); rc=$?
      echo "$cmd --pid 999999999 -> rc $rc: $err"
      expect_rc 2
      printf '%s\n' "$err" | grep -qE "^ariadne: --pid 999999999: not in .*rec \(processes there: [0-9]+\)$" \
        || fail "$cmd: unexpected: $err"
      [ $cmd = info ] && continue
      err=$("$ARIADNE" $cmd "$dir" $extra --tid 999999999 2>&1 >/dev/null); rc=$?
      expect_rc 2
      printf '%s\n' "$err" | grep -qE "^ariadne: --tid 999999999: not in .*rec \(threads there: [0-9]+\)$" \
        || fail "$cmd: unexpected: $err"
    done
    ;;
  prog-kind)
    # Issue 16 finding 11: a shared library as PROG was "statically linked",
    # a #! script "not an ELF file" with no hint; an unknown command said
    # "A subcommand is required".
    err=$("$ARIADNE" record -o "$dir" -- "$PLUGIN" 2>&1 >/dev/null); rc=$?
    echo "shared library -> $err"
    expect_rc 2
    printf '%s\n' "$err" | grep -q ': a shared library (ET_DYN, no PT_INTERP, not a PIE), not a program' \
      || fail "unexpected: $err"
    printf '#!/bin/sh\necho hi\n' > "$work/script.sh" && chmod +x "$work/script.sh"
    err=$("$ARIADNE" record -o "$dir" -- "$work/script.sh" 2>&1 >/dev/null); rc=$?
    echo "script -> $err"
    expect_rc 2
    printf '%s\n' "$err" | grep -qF 'a script (#!/bin/sh), not an ELF program: give the ELF program it runs as PROG (e.g. `-- /bin/sh SCRIPT`)' \
      || fail "unexpected: $err"
    err=$("$ARIADNE" recrod -o "$dir" -- "$PROBE" 2>&1 >/dev/null); rc=$?
    echo "unknown command -> $err"
    expect_rc 2
    printf '%s\n' "$err" | grep -qE "^ariadne: unknown command 'recrod' \(commands: .*record.*; \`ariadne --help\`\)$" \
      || fail "unexpected: $err"
    ;;
  fibers | fibers-reused)
    # Ariadne's own fibers (issue 16): FIBERS fibers on 2 workers, each
    # yielding inside nested calls, so calls stay open while the fiber moves
    # to the other worker. Every run: exact counts in `report` (exit 0), and
    # `show` draws each fiber as its own timeline, some of them on both
    # threads. Runs: FIBER_RUNS (default 20; each takes about a second
    # natively and a few under qemu-aarch64). fibers-reused spawns the 20
    # fibers in 5 waves of 4, so later waves run on stacks reused from the
    # stack pool (issue 19; the program prints how many): each must still be
    # recorded exactly, with nothing inherited from the stack's previous
    # fiber (5 runs).
    waves=1 runs=${FIBER_RUNS:-20}
    [ "$case_name" = fibers-reused ] && waves=5 runs=${FIBER_RUNS:-5}
    migrated=0
    for i in $(seq "$runs"); do
      record -- "$FIBERS" 20 100 2 "$waves" >/dev/null
      expect_rc 0
      [ "$waves" -eq 1 ] || expect_out '^stacks reused [1-9][0-9]*$'
      rep=$("$ARIADNE" report "$dir" 2>&1); rrc=$?
      [ "$rrc" -eq 0 ] || fail "run $i: report exit $rrc: $(printf '%s\n' "$rep" | grep '^ariadne: ' | head -3)"
      for want in "fiber_body 20" "middle 2000" "inner 2000" "leaf 6000"; do
        fn=${want% *} n=${want#* }
        got=$(printf '%s\n' "$rep" | awk -v f="$fn" '$NF == f {print $5}')
        [ "$got" = "$n" ] || fail "run $i: report counts ${got:-no} calls of $fn, expected $n"
      done
      ! printf '%s\n' "$rep" | grep -q 'still open' || fail "run $i: calls left open: $(printf '%s\n' "$rep" | tail -1)"
      shown=$("$ARIADNE" show -F fiber_body "$dir" 2>&1) || fail "run $i: show exit $?"
      lanes=$(printf '%s\n' "$shown" | grep -cE '^# process .*, fiber [0-9]+ \(on threads? ')
      [ "$lanes" -ge 20 ] || fail "run $i: show drew $lanes fiber timelines, expected at least 20"
      bodies=$(printf '%s\n' "$shown" | grep -cE '\[ *f[0-9]+\] \| +fiber_body\(\) \{')
      [ "$bodies" -eq 20 ] || fail "run $i: show has $bodies fiber_body calls in fiber timelines, expected 20"
      m=$(printf '%s\n' "$shown" | grep -cE '^# process .*, fiber [0-9]+ \(on threads ')
      migrated=$((migrated + m))
    done
    # Migration is this case's point, not fibers-reused's (waves of 4 fibers
    # migrate less: about one fiber per run).
    [ "$migrated" -gt 0 ] || [ "$case_name" = fibers-reused ] ||
      fail "no fiber ran on two threads in $runs runs: nothing was tested"
    echo "$case_name: $runs runs exact; $migrated fiber timelines spanned two threads"
    ;;
  *) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
