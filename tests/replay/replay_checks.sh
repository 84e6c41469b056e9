#!/usr/bin/env bash
# replay_checks.sh CASE — the replay checks beside the suite (issue 17):
#   ignore-results  a replay that ignores the logged results (the test-only
#                   ARIADNE_REPLAY_IGNORE_RESULTS) fails the suite's timing
#                   and randomness programs: the suite can fail;
#   divergence      cycle_counter follows the CPU's cycle counter (not
#                   intercepted): 20 recordings, each replay faithful (exit 0,
#                   same output) or reported diverged (exit 4), never silently
#                   different;
#   killed          the target SIGKILLed mid-run while recording replays up to
#                   the kill, its output reproduced up to there;
#   info            `ariadne info` shows the replay log;
#   mmap-divergence mmap_anon recorded, then replayed with the place of one
#                   of its mappings taken by an mmap the log does not see
#                   (mmap_anon.squat in the working directory): replay must
#                   exit 4 naming mmap, the recorded address and the new one
#                   (or, where libc's own mmap is trapped, the squatter's
#                   mmap found in place of the program's);
#                   without the squat the same recording replays faithfully;
#   libc-internal   libc_internal lists a directory (opendir, readdir) that
#                   changes after the recording: the replay prints the
#                   recorded listing, getrusage and times (libc's own
#                   system calls are trapped);
#   sve             sve_first_fault (AArch64: SVE ldff1b/rdffr) runs natively,
#                   and record --replayable refuses it naming sve_strlen;
#   nondet          nondet (time-stamp counter, CPU identity, hardware random
#                   numbers read by instructions, branches on them) recorded
#                   RECORDS times, each replay identical;
#   llsc            llsc_counter's atomics are inline load/store-exclusive
#                   loops (AArch64: checked in the disassembly), recorded
#                   RECORDS times on a CPU without LSE (QEMU_CPU=cortex-a53)
#                   with tick budgets from 7 to 2000, each replayed without
#                   QEMU_CPU in ariadne's environment: same output, exact count.
#   trace-to        examples/workers (WORKERS) recorded once with --replayable
#                   and a ticks budget small enough for many hand-offs, then
#                   traced from replays (`replay --trace-to`): every
#                   function's calls equal those of `ariadne record
#                   --no-libcalls` of the same program (a replay traces no
#                   library calls) and its own counters; two traces of the same
#                   recording hold the same calls in the same order on each
#                   thread; -A/-R values appear in `show`; with -F only the
#                   functions asked for are traced and the replay still
#                   holds (their entries tick although nothing else is traced).
#   gdb             gdb_target.c built for each architecture with -g at -O$OPT,
#                   recorded, then replayed under gdb in batch mode: stopped
#                   after its second clock_gettime (`--at`, the event number
#                   read from `ariadne info --events`), gdb prints the local
#                   the call filled, which must be the recorded reading; and
#                   at the third call of read_clock (`--at-call`), gdb prints
#                   its argument, 3. An ariadne that itself runs under
#                   qemu-user (the aarch64 presets) must refuse --gdb. And
#                   --at the event of its rdtsc / mrs cntvct_el0: gdb stands
#                   right after it, the recorded value in the register.
# Environment: ARIADNE, WORK, BIN (the directory of the suite's programs);
# llsc and nondet also ARCH (aarch64 or x86_64) and RECORDS.
set -u
: "${ARIADNE:?}" "${WORK:?}" "${BIN:?}"
case_name=${1:?usage: replay_checks.sh CASE}
work=$WORK/checks-$case_name
rm -rf "$work"
mkdir -p "$work"
export TMPDIR=$work
fail() {
  echo "FAIL: $*"
  exit 1
}

# stdin_that_waits: fd 7 holds $work/stdin.fifo open for writing and never
# writes, so a program reading the fifo waits in read().
stdin_that_waits() {
  fifo=$work/stdin.fifo
  rm -f "$fifo" && mkfifo "$fifo"
  exec 7<>"$fifo"
}
# wait_for_read NAME OUT: until blocked_read has said "waiting" in OUT, and a
# little longer, into its read.
wait_for_read() {
  for _ in $(seq 1 400); do
    grep -q waiting "$2" 2>/dev/null && break
    sleep 0.05
  done
  grep -q waiting "$2" || fail "$1: the program did not start"
  sleep 0.3
}

case $case_name in
  ignore-results)
    caught=0
    for prog in clocks random ids nondet vdso_clocks; do
      "$ARIADNE" record --replayable -o "$work/$prog" -- "$BIN/$prog" >"$work/$prog.rec" 2>/dev/null ||
        fail "$prog: recording failed"
      "$ARIADNE" replay "$work/$prog" >"$work/$prog.rep" 2>"$work/$prog.err" || fail "$prog: the faithful replay failed"
      cmp -s "$work/$prog.rec" "$work/$prog.rep" || fail "$prog: the faithful replay differs"
      ARIADNE_REPLAY_IGNORE_RESULTS=1 "$ARIADNE" replay "$work/$prog" >"$work/$prog.bad" 2>"$work/$prog.baderr"
      status=$?
      echo "$prog: faithful replay exit 0, same output; replay ignoring the log: exit $status, $(tail -n1 "$work/$prog.baderr")"
      [ $status -eq 4 ] && caught=$((caught + 1))
    done
    echo "ignore-results: $caught of 5 replays that ignore the logged results were reported diverged"
    [ $caught -eq 5 ] || fail "a replay ignoring the log was not caught"
    ;;
  trace-to-layout)
    # A traced replay (--trace-to) must leave the program's heap as recorded
    # whatever the paths' lengths: the trace recorder's start differs from a
    # recording's, and a heap allocation of the runtime's after it (the
    # vDSO lookup) moved `addresses`' malloc(32) for program paths in one
    # 16-byte window of lengths (3 of 24 lengths here, and in CI's clone).
    lengths=${LENGTHS:-48}
    ok=0
    for n in $(seq 0 $((lengths - 1))); do
      d=$work/p$(printf '%*s' "$n" '' | tr ' ' x)
      mkdir -p "$d"
      cp "$BIN/addresses" "$d/addresses"
      "$ARIADNE" record --replayable -o "$d/rec" -- "$d/addresses" >"$d/rec.out" 2>/dev/null ||
        fail "length $n: recording failed"
      "$ARIADNE" replay "$d/rec" --trace-to "$d/trace" >"$d/rep.out" 2>"$d/rep.err" ||
        fail "length $n: the traced replay exited with $?: $(tail -n 1 "$d/rep.err")"
      cmp -s "$d/rec.out" "$d/rep.out" || fail "length $n: the traced replay printed other addresses"
      ok=$((ok + 1))
      rm -rf "$d"
    done
    echo "trace-to-layout: $ok of $lengths program path lengths replayed under --trace-to with the recorded addresses"
    ;;
  syscall-numbers)
    # libc's syscall() with a number replay cannot log stops the recording
    # with one line naming it; one it has no interposer for is made again in
    # replay and a different result is reported where it happened.
    "$ARIADNE" record --replayable -o "$work/uring" -- "$BIN/syscall_numbers" io_uring >"$work/uring.out" 2>"$work/uring.err"
    status=$?
    line=$(grep -m1 'SYS_io_uring_setup' "$work/uring.err")
    echo "io_uring: record exit $status: $line"
    [ $status -eq 125 ] || fail "io_uring_setup: record exited with $status, expected 125"
    [ -n "$line" ] || fail "io_uring_setup: no line names it: $(cat "$work/uring.err")"
    grep -q 'io_uring_setup returned' "$work/uring.out" && fail "io_uring_setup was made"
    "$ARIADNE" record --replayable -o "$work/times" -- "$BIN/syscall_numbers" times >"$work/times.rec" 2>&1 ||
      fail "times: recording failed"
    sleep 0.05 # times(2) counts 10 ms ticks: at least five between the two runs
    "$ARIADNE" replay "$work/times" >"$work/times.rep" 2>"$work/times.err" ||
      fail "times: replay exited with $?: $(tail -n1 "$work/times.err")"
    cmp -s <(grep -v '^ariadne' "$work/times.rec") "$work/times.rep" || fail "times: the replay printed other ticks"
    echo "times (emulated): replay exit 0, same output: $(grep '^times' "$work/times.rep")"
    (umask 022 && "$ARIADNE" record --replayable -o "$work/umask" -- "$BIN/syscall_numbers" umask >/dev/null 2>&1) ||
      fail "umask: recording failed"
    (umask 077 && "$ARIADNE" replay "$work/umask" >/dev/null 2>"$work/umask.err")
    status=$?
    echo "umask: replay exit $status: $(tail -n1 "$work/umask.err")"
    [ $status -eq 4 ] || fail "umask: replay exited with $status, expected 4 (diverged)"
    grep -q '(call [0-9]*) returned 18 when recorded, 63 now' "$work/umask.err" ||
      fail "umask: the divergence does not name the call and both results"
    "$ARIADNE" record --replayable -o "$work/sigsys" -- "$BIN/syscall_numbers" sigsys >"$work/sigsys.out" 2>"$work/sigsys.err"
    status=$?
    if "$ARIADNE" info "$work/sigsys" 2>/dev/null | grep -q '^Arch *aarch64'; then
      # AArch64 traps by rewritten branches: SIGSYS is the program's.
      [ $status -eq 0 ] && grep -q 'SIGSYS handler set: 1' "$work/sigsys.out" ||
        fail "sigsys (aarch64): record exited with $status: $(tail -n1 "$work/sigsys.err")"
      echo "sigsys: record exit 0, the program's handler set (AArch64: the trap raises no signal)"
    else
      line=$(grep -m1 'SIGSYS' "$work/sigsys.err")
      echo "sigsys: record exit $status: $line"
      [ $status -eq 125 ] || fail "sigsys: record exited with $status, expected 125"
      [ -n "$line" ] || fail "sigsys: no line names SIGSYS: $(cat "$work/sigsys.err")"
    fi
    "$ARIADNE" record --replayable -o "$work/exit" -- "$BIN/syscall_numbers" exit_group >/dev/null 2>&1
    status=$?
    [ $status -eq 3 ] || fail "exit_group: record exited with $status, expected the program's 3"
    "$ARIADNE" replay "$work/exit" >/dev/null 2>"$work/exit.err" ||
      fail "exit_group: replay exited with $?: $(tail -n1 "$work/exit.err")"
    echo "exit_group: $(tail -n1 "$work/exit.err")"
    grep -q 'the program exited with 3, as recorded' "$work/exit.err" || fail "exit_group: not replayed to its end"
    echo "syscall-numbers: OK"
    ;;
  divergence)
    faithful=0 diverged=0 silent=0
    for i in $(seq 1 20); do
      d=$work/r$i
      "$ARIADNE" record --replayable -o "$d" -- "$BIN/cycle_counter" >"$d.rec" 2>/dev/null || fail "recording $i failed"
      "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err"
      status=$?
      if [ $status -eq 0 ] && cmp -s "$d.rec" "$d.rep"; then
        faithful=$((faithful + 1))
      elif [ $status -eq 4 ]; then
        diverged=$((diverged + 1))
        [ $diverged -eq 1 ] && echo "first divergence: $(tail -n1 "$d.err")"
      else
        silent=$((silent + 1))
        echo "run $i: exit $status; stderr: $(tail -n1 "$d.err")"
      fi
    done
    echo "divergence: 20 recordings of cycle_counter: $faithful replayed faithfully, $diverged reported diverged, $silent otherwise"
    [ $silent -eq 0 ] || fail "a replay was neither faithful nor reported diverged"
    ;;
  killed)
    d=$work/killed
    "$ARIADNE" record --replayable -o "$d" -- "$BIN/killed" >"$d.rec" 2>"$d.recerr" &
    recorder=$!
    # Kill the target itself (not ariadne) once it has printed some lines.
    for _ in $(seq 1 200); do
      [ "$(wc -l <"$d.rec")" -ge 40 ] && break
      sleep 0.05
    done
    target=$(pgrep -n -f "$BIN/killed\$" || pgrep -n -x killed || true)
    [ -n "$target" ] || fail "target not found"
    kill -KILL "$target"
    wait $recorder
    echo "recording: exit $? after $(wc -l <"$d.rec") lines; $(tail -n1 "$d.recerr")"
    "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err"
    status=$?
    echo "replay: exit $status, $(wc -l <"$d.rep") lines; $(tail -n1 "$d.err")"
    [ $status -eq 0 ] || fail "the replay of a killed recording failed"
    # The kill may fall between a write and its event: the recording then
    # holds that write's bytes and replay stops before it (it says so).
    rep_bytes=$(wc -c <"$d.rep") rec_bytes=$(wc -c <"$d.rec")
    cmp -n "$rep_bytes" "$d.rec" "$d.rep" || fail "the replay's output differs from the recorded output"
    [ $((rec_bytes - rep_bytes)) -le 64 ] || fail "the replay printed $rep_bytes of $rec_bytes bytes"
    [ "$(wc -l <"$d.rep")" -ge 40 ] || fail "too few lines replayed"
    echo "killed: output reproduced up to the kill: $rep_bytes of $rec_bytes recorded bytes"
    # The recorder compressed the log after the killed target ended.
    [ -f "$d/replay.log.zst" ] && [ ! -e "$d/replay.log" ] || fail "the killed target's log was not compressed"
    # The recorder itself SIGKILLed while the target waits in a read: the
    # raw log stays (never compressed, never cut) and replays up to its end.
    d=$work/recorder-killed
    stdin_that_waits
    "$ARIADNE" record --replayable -o "$d" -- "$BIN/blocked_read" <"$fifo" >"$d.rec" 2>"$d.recerr" &
    recorder=$!
    wait_for_read recorder-killed "$d.rec"
    target=$(pgrep -n -f "$BIN/blocked_read\$" || true)
    kill -KILL $recorder
    wait $recorder 2>/dev/null
    [ -n "$target" ] && kill -KILL "$target" 2>/dev/null
    exec 7>&-
    [ -f "$d/replay.log" ] && [ ! -e "$d/replay.log.zst" ] || fail "recorder-killed: the raw log did not stay"
    "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err"
    status=$?
    echo "recorder-killed: replay of the raw log: exit $status; $(tail -n1 "$d.err")"
    [ $status -eq 0 ] || fail "recorder-killed: the raw log does not replay"
    tail -n1 "$d.err" | grep -q "the recorder ended first: no exit status was recorded" ||
      fail "recorder-killed: the last line does not say the exit status is unknown"
    cmp "$d.rec" "$d.rep" || fail "recorder-killed: the replay's output differs"
    ;;
  blocked)
    # A program waiting in read() on an open, empty stdin is ended by a
    # signal whose action is the default one: SIGTERM sent to ariadne (which
    # forwards it) and SIGINT to the whole process group (Ctrl-C). Under
    # record --replayable the held signals are let through while a call
    # waits, so the run ends at once (it waited for the read before), ariadne
    # keeps the output, and the recording replays up to the signal. With a
    # SIGTERM handler the read fails with EINTR, the handler runs at the
    # call's end (logged) and the program ends by itself; replayed whole.
    stdin_that_waits
    for how in term int handler; do
      d=$work/blocked-$how
      arg=; [ $how = handler ] && arg=handler
      # (env: a background job of a script starts with SIGINT ignored.)
      setsid env --default-signal=INT "$ARIADNE" record --replayable -o "$d" -- "$BIN/blocked_read" $arg \
        <"$fifo" >"$d.rec" 2>"$d.recerr" &
      recorder=$!
      wait_for_read "$how" "$d.rec"
      if [ $how = int ]; then kill -INT -- -$recorder; else kill -TERM $recorder; fi
      sent=$(date +%s%N)
      for _ in $(seq 1 200); do
        kill -0 $recorder 2>/dev/null || break
        sleep 0.05
      done
      if kill -0 $recorder 2>/dev/null; then
        kill -KILL -- -$recorder
        fail "$how: the recording still ran 10 s after the signal"
      fi
      wait $recorder
      status=$?
      ms=$((($(date +%s%N) - sent) / 1000000))
      echo "$how: recording ended ${ms} ms after the signal, exit $status; $(tail -n1 "$d.recerr")"
      if [ $how = handler ]; then
        # The handler ran at the read's end (EINTR) and the program ended.
        [ $status -eq 0 ] || fail "$how: exit status $status"
        grep -q "Interrupted system call), SIGTERM handled 1 times" "$d.rec" || fail "$how: $(cat "$d.rec")"
      else
        grep -q "killed by signal" "$d.recerr" || fail "$how: the recorder did not see the program killed"
      fi
      grep -Eq "[1-9][0-9]* \+ 0 bytes of output kept" "$d.recerr" || fail "$how: the output was not kept"
      "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err"
      status=$?
      echo "$how: replay exit $status; $(tail -n1 "$d.err")"
      [ $status -eq 0 ] || fail "$how: the replay failed"
      cmp "$d.rec" "$d.rep" || fail "$how: the replay's output differs"
    done
    exec 7>&-
    ;;
  info)
    d=$work/mutex
    "$ARIADNE" record --replayable --ticks 50 -o "$d" -- "$BIN/mutex" >/dev/null 2>&1 || fail "recording failed"
    "$ARIADNE" info "$d" >"$work/info" 2>&1 || fail "info failed: $(cat "$work/info")"
    cat "$work/info"
    grep -q "^Replay log" "$work/info" || fail "no replay log section"
    grep -Eq "^  Hand-offs  [1-9][0-9]* \(.*(budget|wait|exit) [0-9]+" "$work/info" || fail "no hand-offs by reason"
    grep -q "the program's exit is logged" "$work/info" || fail "no end"
    # The log compressed once the program ended: both sizes and the ratio.
    grep -Eq "^Replay log   .*/replay\.log\.zst$" "$work/info" || fail "info does not read replay.log.zst"
    grep -Eq "^  On disk    [0-9.]+ [KMG]?i?B compressed \(zstd\), [0-9.]+ [KMG]?i?B raw: [0-9.]+x" "$work/info" ||
      fail "no compressed and raw sizes"
    "$ARIADNE" info --events "$d" >"$work/events" 2>&1 || fail "info --events failed"
    grep -q "process exit" "$work/events" || fail "info --events does not list the compressed log's events"
    ;;
  mmap-divergence)
    d=$work/anon
    cd "$work" || fail "no $work"
    rm -f mmap_anon.squat
    "$ARIADNE" record --replayable -o "$d" -- "$BIN/mmap_anon" >"$d.rec" 2>"$d.recerr" ||
      fail "recording failed: $(tail -n1 "$d.recerr")"
    "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err" || fail "the faithful replay failed: $(tail -n1 "$d.err")"
    cmp -s "$d.rec" "$d.rep" || fail "the faithful replay differs"
    echo "faithful replay: exit 0, same output ($(grep -c . "$d.rep") lines)"
    touch mmap_anon.squat
    "$ARIADNE" replay "$d" >"$d.bad" 2>"$d.baderr"
    status=$?
    rm -f mmap_anon.squat
    echo "replay with the mapping's place taken: exit $status, $(tail -n1 "$d.baderr")"
    [ $status -eq 4 ] || fail "a changed mmap address was not reported as a divergence"
    # Where libc's own mmap is trapped (x86-64), the squatter's mmap is seen
    # first, in the program's mmap's place; elsewhere the address differs.
    grep -Eq "mmap returned 0x[0-9a-f]* when recorded, now 0x[0-9a-f]*|expected mmap \(call [0-9]+, arguments [0-9a-f]+\), found mmap \(call [0-9]+, arguments [0-9a-f]+\)" "$d.baderr" ||
      fail "the report does not name mmap (its addresses or its arguments)"
    ;;
  libc-internal)
    # A directory listed by opendir/readdir changes after the recording: the
    # replay lists it as it was, and getrusage/times say what they said:
    # libc's own calls are trapped (x86-64: Syscall User Dispatch; AArch64:
    # every svc #0 rewritten).
    d=$work/listing
    rm -rf "$d" "$work/internal" && mkdir -p "$d" && touch "$d/a" "$d/b" "$d/c"
    "$ARIADNE" record --replayable -o "$work/internal" -- "$BIN/libc_internal" "$d" >"$work/internal.rec" 2>"$work/internal.recerr" ||
      fail "recording failed: $(tail -n1 "$work/internal.recerr")"
    touch "$d/d"
    sleep 0.05 # times(2) counts 10 ms ticks
    "$ARIADNE" replay "$work/internal" >"$work/internal.rep" 2>"$work/internal.err" ||
      fail "replay exited with $?: $(tail -n1 "$work/internal.err")"
    cmp -s <(grep -v '^ariadne' "$work/internal.rec") "$work/internal.rep" ||
      fail "the replay differs: $(diff <(grep -v '^ariadne' "$work/internal.rec") "$work/internal.rep" | head -5)"
    "$ARIADNE" info --events "$work/internal" >"$work/internal.events"
    for call in getdents64 getrusage times; do
      grep -q " $call = " "$work/internal.events" || fail "no $call event in the log"
    done
    echo "libc-internal: 4 files now, the replay printed the recording's: $(head -n1 "$work/internal.rep"); $(sed -n 2p "$work/internal.rep")"
    ;;
  sve)
    prog=$BIN/sve_first_fault
    QEMU_CPU=max "$prog" >"$work/native.out" 2>&1 || fail "the program fails natively: $(tail -n1 "$work/native.out")"
    grep -qx EXIT-SUCCESS "$work/native.out" || fail "no EXIT-SUCCESS natively"
    echo "sve: natively (QEMU_CPU=max): $(grep -c '^length' "$work/native.out") lengths right, e.g. $(head -n1 "$work/native.out")"
    QEMU_CPU=max "$ARIADNE" record --replayable -o "$work/rec" -- "$prog" >"$work/rec.out" 2>"$work/rec.err"
    status=$?
    echo "sve: ariadne record --replayable: exit $status"
    sed 's/^/  stderr: /' "$work/rec.err"
    [ $status -ne 0 ] || fail "the recording of first-fault loads was not refused"
    grep -q "sve_strlen uses \`rdffr\|sve_strlen uses \`ldff1" "$work/rec.err" || fail "the refusal does not name sve_strlen"
    ! grep -q '^length' "$work/rec.out" || fail "the program ran although the recording was refused"
    ;;
  nondet)
    records=${RECORDS:-20}
    same=0
    for ((r = 1; r <= records; r++)); do
      d=$work/r$r
      "$ARIADNE" record --replayable -o "$d" -- "$BIN/nondet" >"$d.rec" 2>"$d.recerr" ||
        fail "recording $r failed: $(tail -n1 "$d.recerr")"
      "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err" || fail "replay $r: exit $?: $(tail -n1 "$d.err")"
      cmp -s "$d.rec" "$d.rep" || fail "replay $r differs: $(diff "$d.rec" "$d.rep" | head -n 4)"
      same=$((same + 1))
    done
    distinct=$(cat "$work"/r*.rec | grep '^counter:' | sort -u | wc -l)
    echo "nondet ($ARCH): $same of $records recordings replayed identically; $distinct distinct counter lines among them"
    echo "first recording:"
    sed 's/^/  /' "$work/r1.rec"
    [ "$distinct" -ge 2 ] || fail "the counter read the same in every recording: the check proves nothing"
    ;;
  llsc)
    prog=$BIN/llsc_counter
    records=${RECORDS:-20}
    if [ "${ARCH:?}" = aarch64 ]; then
      objdump=aarch64-linux-gnu-objdump
      command -v "$objdump" >/dev/null || objdump=objdump
      "$objdump" -d "$prog" | awk '/<worker>:/,/^$/' >"$work/worker.s"
      exclusive=$(grep -Ec '\s(ldaxr|ldxr|stlxr|stxr)\s' "$work/worker.s")
      lse=$(grep -Ec '\s(ldadd[a-z]*|cas[a-z]*|swp[a-z]*)\s|__aarch64_' "$work/worker.s")
      echo "llsc: worker() holds $exclusive load/store-exclusive instructions and $lse LSE instructions or outline-atomic calls"
      [ "$exclusive" -ge 2 ] && [ "$lse" -eq 0 ] || fail "llsc_counter is not built with inline LL/SC loops"
      export QEMU_CPU=cortex-a53
    fi
    same=0
    for ((r = 1; r <= records; r++)); do
      d=$work/r$r
      ticks=$((7 + (r - 1) * 105))
      "$ARIADNE" record --replayable --ticks "$ticks" -o "$d" -- "$prog" >"$d.rec" 2>"$d.recerr" ||
        fail "recording $r (--ticks $ticks) failed: $(tail -n1 "$d.recerr")"
      grep -qx "count: 800000 of 800000" "$d.rec" || fail "recording $r: $(grep count: "$d.rec")"
      if [ "$ARCH" = aarch64 ]; then
        grep -qx "LSE atomics: no" "$d.rec" || fail "recording $r did not run on a CPU without LSE"
      fi
      env -u QEMU_CPU "$ARIADNE" replay "$d" >"$d.rep" 2>"$d.err" || fail "replay $r: exit $?: $(tail -n1 "$d.err")"
      cmp -s "$d.rec" "$d.rep" || fail "replay $r differs: $(diff "$d.rec" "$d.rep" | head -n 4)"
      same=$((same + 1))
    done
    echo "llsc: $same of $records recordings (--ticks 7 to $ticks${QEMU_CPU:+, QEMU_CPU=$QEMU_CPU}) replayed identically, count 800000 of 800000 in each; first: $(grep seen "$work/r1.rec")"
    ;;
  trace-to)
    : "${WORKERS:?}"
    args=(4 20)
    # calls per function of a recording: "CALLS FUNCTION" lines, by name
    calls_of() {
      "$ARIADNE" report --sort name "$1" 2>&1 |
        awk 'NR > 2 { c = $5; for (i = 1; i <= 11; i++) $i = ""; sub(/^ +/, ""); print c, $0 }'
    }
    # a trace's calls in order, per thread, without times or thread ids
    calls_in_order() {
      "$ARIADNE" show "$1" 2>&1 | sed -E 's/^ *[0-9.]+ [a-z]+ / /; s/\[ *[0-9]+\]//; s/(process|thread|parent) [0-9]+( \([0-9]+\))?/\1 N/g'
    }
    "$ARIADNE" record --replayable --ticks 300 -o "$work/rec" -- "$WORKERS" "${args[@]}" >"$work/rec.out" 2>"$work/rec.err" ||
      fail "recording failed: $(tail -n1 "$work/rec.err")"
    handoffs=$(grep -o '([0-9]* hand-offs' "$work/rec.err" | tr -dc 0-9)
    "$ARIADNE" record --no-libcalls -o "$work/plain" -- "$WORKERS" "${args[@]}" >"$work/plain.out" 2>"$work/plain.err" ||
      fail "ariadne record failed: $(tail -n1 "$work/plain.err")"
    for t in t1 t2; do
      "$ARIADNE" replay "$work/rec" --trace-to "$work/$t" -A 'fill_block@arg2' -R 'checksum_block@retval/x' \
        >"$work/$t.out" 2>"$work/$t.err" || fail "replay --trace-to $t: exit $?: $(tail -n2 "$work/$t.err")"
      cmp -s "$work/rec.out" "$work/$t.out" || fail "replay --trace-to $t: output differs"
    done
    echo "trace-to: $(grep '^calls:' "$work/rec.out") (the program's counters; recorded with $handoffs hand-offs)"
    echo "trace-to: $(grep 'traced into' "$work/t1.err")"
    echo "trace-to: $(tail -n1 "$work/plain.err")"
    calls_of "$work/plain" >"$work/plain.calls"
    calls_of "$work/t1" >"$work/t1.calls"
    sed 's/^/  record:      /' "$work/plain.calls"
    cmp -s "$work/plain.calls" "$work/t1.calls" ||
      fail "calls differ from ariadne record's: $(diff "$work/plain.calls" "$work/t1.calls" | head -n 6)"
    for f in mix fill_block sort_block checksum_block; do
      own=$(grep -o "$f=[0-9]*" "$work/rec.out" | cut -d= -f2)
      traced=$(awk -v f="$f" 'index($0, "::" f "(") { print $1 }' "$work/t1.calls")
      [ "$own" = "$traced" ] || fail "$f: the program counted $own calls, the trace of the replay $traced"
    done
    echo "trace-to: every function's calls in the trace of the replay equal ariadne record's and the program's own counters"
    calls_in_order "$work/t1" >"$work/t1.order"
    calls_in_order "$work/t2" >"$work/t2.order"
    cmp -s "$work/t1.order" "$work/t2.order" ||
      fail "two traces of one recording differ: $(diff "$work/t1.order" "$work/t2.order" | head -n 6)"
    echo "trace-to: two traces of the recording: the same $(grep -c '|' "$work/t1.order") lines, in order, per thread"
    grep -q 'fill_block(3000019) {' "$work/t1.order" || fail "no -A value fill_block(3000019) in show"
    retval_re='} = 0x[0-9a-f]+ /\* .*checksum_block \*/'
    grep -Eq "$retval_re" "$work/t1.order" || fail "no -R value of checksum_block in show"
    echo "trace-to: show: $(grep -m1 -o 'fill_block(3000019) {' "$work/t1.order") ... $(grep -m1 -Eo "$retval_re" "$work/t1.order")"
    "$ARIADNE" replay "$work/rec" --trace-to "$work/only" -F sort_block >"$work/only.out" 2>"$work/only.err" ||
      fail "replay --trace-to -F sort_block: exit $?: $(tail -n2 "$work/only.err")"
    calls_of "$work/only" >"$work/only.calls"
    [ "$(awk '{ print $1 }' "$work/only.calls" | tr '\n' ' ')" = "80 " ] && grep -q sort_block "$work/only.calls" ||
      fail "-F sort_block traced: $(cat "$work/only.calls")"
    echo "trace-to: -F sort_block: $(cat "$work/only.calls"), the replay faithful"
    # -N unpatches nothing in a replay: the entries of mix still tick (on the
    # code before pinning, this replay diverged at its first hand-off).
    "$ARIADNE" replay "$work/rec" --trace-to "$work/not" -N mix >"$work/not.out" 2>"$work/not.err" ||
      fail "replay --trace-to -N mix: exit $?: $(tail -n2 "$work/not.err")"
    calls_of "$work/not" >"$work/not.calls"
    ! grep -q '::mix(' "$work/not.calls" || fail "-N mix traced mix"
    want=$(awk '!/::mix\(/ { n += $1 } END { print n }' "$work/plain.calls")
    [ "$(awk '{ n += $1 } END { print n }' "$work/not.calls")" = "$want" ] ||
      fail "-N mix: $(awk '{ n += $1 } END { print n }' "$work/not.calls") calls traced, expected $want"
    echo "trace-to: -N mix: $(grep 'traced into' "$work/not.err" | sed 's/.*: //'), the replay faithful"
    ;;
  gdb)
    : "${ARCH:?}" "${OPT:?}"
    src=$(cd "$(dirname "$0")" && pwd)
    if [ "$ARCH" = aarch64 ]; then
      # This ariadne is an AArch64 build, run under qemu-user itself.
      "$ARIADNE" record --replayable -o "$work/rec" -- "$BIN/gdb_target" >/dev/null 2>&1 || fail "recording failed"
      echo 'print 1' >"$work/s.gdb"
      "$ARIADNE" replay "$work/rec" --gdb --at 1 --gdb-script "$work/s.gdb" >"$work/out" 2>&1
      status=$?
      [ $status -eq 2 ] && grep -q "itself running under qemu-user" "$work/out" ||
        fail "--gdb under qemu-user: exit $status: $(cat "$work/out")"
      echo "gdb: $(cat "$work/out") (exit $status; the x86-64 presets debug AArch64 programs)"
      echo OK
      exit 0
    fi
    for arch in x86_64 aarch64; do
      # The counter read's source, and how gdb prints the value it read.
      case $arch in
        x86_64)
          cc=gcc
          counter=("$src/gdb_counter_x86_64.c")
          value='print/u (($rdx & 0xffffffff) << 32) | ($rax & 0xffffffff)'
          ;;
        aarch64)
          cc=aarch64-linux-gnu-gcc
          counter=(-I"$src/../../src/arch/aarch64" "$src/gdb_counter_aarch64.S")
          value='print/u $x0'
          ;;
      esac
      prog=$work/gdb_target-$arch
      # shellcheck disable=SC2046
      $cc $("$ARIADNE" flags --arch $arch) -g -O"$OPT" -D_GNU_SOURCE -I"$src" -o "$prog" "$src/gdb_target.c" \
        "${counter[@]}" -lpthread || fail "cannot build gdb_target for $arch"
      d=$work/rec-$arch
      "$ARIADNE" record --replayable -o "$d" -- "$prog" >"$d.out" 2>"$d.err" || fail "$arch: recording failed"
      event=$("$ARIADNE" info --events "$d" | awk '$5 == "clock_gettime" { if (++n == 2) { print $1; exit } }')
      [ -n "$event" ] || fail "$arch: no second clock_gettime in info --events"
      recorded=$(sed -n 's/^reading 2: //p' "$d.out")
      echo 'print now.tv_nsec' >"$work/at.gdb"
      timeout 120 "$ARIADNE" replay "$d" --gdb --at "$event" --gdb-script "$work/at.gdb" >"$d.gdb" 2>&1 ||
        fail "$arch: replay --gdb --at $event: exit $?: $(tail -n 3 "$d.gdb")"
      got=$(sed -n 's/^\$1 = //p' "$d.gdb")
      [ "$got" = "$recorded" ] || fail "$arch: gdb printed now.tv_nsec = '$got' after event $event, recorded $recorded"
      echo "gdb ($arch, -O$OPT): --at $event: $(grep 'stopped for gdb' "$d.gdb" | sed 's/^ariadne replay: //'); gdb: \$1 = $got, the recorded 'reading 2: $recorded'"
      echo 'print k' >"$work/call.gdb"
      timeout 120 "$ARIADNE" replay "$d" --gdb --at-call read_clock:3 --gdb-script "$work/call.gdb" >"$d.call" 2>&1 ||
        fail "$arch: replay --gdb --at-call read_clock:3: exit $?: $(tail -n 3 "$d.call")"
      grep -qx '\$1 = 3' "$d.call" || fail "$arch: --at-call read_clock:3: $(grep '^\$' "$d.call")"
      echo "gdb ($arch, -O$OPT): --at-call read_clock:3: $(grep 'stopped for gdb' "$d.call" | sed 's/^ariadne replay: //'); gdb: \$1 = 3"
      # The counter read, replayed from a SIGTRAP handler (x86-64) or a stub
      # (AArch64): gdb must stand right after the instruction, in
      # read_counter, the recorded value in its destination register.
      event=$("$ARIADNE" info --events "$d" | awk '/a nondeterministic instruction/ { print $1; exit }')
      [ -n "$event" ] || fail "$arch: no nondeterministic instruction in info --events"
      recorded=$(sed -n 's/^counter: //p' "$d.out")
      printf 'info symbol $pc\n%s\n' "$value" >"$work/insn.gdb"
      timeout 120 "$ARIADNE" replay "$d" --gdb --at "$event" --gdb-script "$work/insn.gdb" >"$d.insn" 2>&1 ||
        fail "$arch: replay --gdb --at $event (the counter read): exit $?: $(tail -n 3 "$d.insn")"
      where=$(grep ' in section ' "$d.insn")
      [[ $where == "read_counter + "* ]] || fail "$arch: --at $event: stopped at '$where', not in read_counter: $(tail -n 5 "$d.insn")"
      got=$(sed -n 's/^\$1 = //p' "$d.insn")
      [ "$got" = "$recorded" ] || fail "$arch: --at $event: gdb printed the counter $got, recorded $recorded"
      echo "gdb ($arch, -O$OPT): --at $event: $(grep 'stopped for gdb' "$d.insn" | sed 's/^ariadne replay: //'); at $where; gdb: \$1 = $got, the recorded 'counter: $recorded'"
    done
    ;;
  *)
    echo "replay_checks.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
echo "OK"
