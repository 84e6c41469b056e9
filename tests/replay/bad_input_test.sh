#!/usr/bin/env bash
# bad_input_test.sh PROG OTHER_PROG — `ariadne replay` on bad input (issue 17,
# acceptance 7): each case must exit with status 2 exactly and print exactly
# one line on stderr, naming the file and the offset (or the build-id).
# Environment: ARIADNE (the ariadne binary), WORK (a scratch directory).
#
# PROG is recorded once with --replayable (and replayed intact: exit 0), then
#   a. a trace-only recording of it (no --replayable);
#   b. its replay.log truncated inside a record, and at a record boundary
#      before the end (the program exited normally when recorded, so a log that
#      ends early was cut afterwards: bad input, not a killed target);
#   c. one bit flipped in the middle of a record, and one in the header;
#   d. the executable replaced (by OTHER_PROG) after recording: the build-id;
#   e. a missing DIR, a DIR that is a file, no DIR and no ariadne.data in cwd;
#   f. the compressed log (replay.log.zst, what the recorder leaves): cut
#      short, one bit flipped, a frame that does not say its size, a bomb
#      declaring 5 GiB, and replay.log beside replay.log.zst (ambiguous);
# The cases a-c damage the raw log: the recording's replay.log.zst
# decompressed (with the zstd tool) into replay.log, which replays as well.
# and `ariadne replay --help` exits 0 and mentions "Exit status".
# One line per case; exit 0 when all pass, 1 otherwise, 2 on bad usage.
set -u
if [ $# -ne 2 ]; then
  echo "usage: ARIADNE=... WORK=... $0 PROG OTHER_PROG" >&2
  exit 2
fi
: "${ARIADNE:?ARIADNE must name the ariadne binary}" "${WORK:?WORK must name a scratch directory}"
prog=$1 other=$2
limit=${REPLAY_TIMEOUT:-120}
work=$WORK/bad-input
rm -rf "$work"
mkdir -p "$work"
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

passed=0 failed=0
pass() {
  passed=$((passed + 1))
  printf 'bad input: %s: ok: %s\n' "$1" "$2"
}
fail() {
  failed=$((failed + 1))
  printf 'bad input: %s: FAILED: %s\n' "$1" "$2"
}

# expect_bad NAME PATTERN DIR...: `ariadne replay DIR...` (run in $RUN_IN, if
# set) exits 2 with exactly one line on stderr, which matches the extended
# regex PATTERN.
expect_bad() {
  local name=$1 pattern=$2
  shift 2
  local err=$work/$name.err
  (cd "${RUN_IN:-.}" && exec timeout -k 10 "$limit" "$ARIADNE" replay "$@") >"$work/$name.out" 2>"$err"
  local rc=$? lines
  lines=$(wc -l <"$err")
  if [ $rc -ne 2 ]; then
    fail "$name" "exit status $rc, expected 2; stderr: $(head -c 400 "$err" | tr '\n' '|')"
  elif [ "$lines" -ne 1 ]; then
    fail "$name" "$lines lines on stderr, expected 1: $(head -c 400 "$err" | tr '\n' '|')"
  elif ! grep -Eq -- "$pattern" "$err"; then
    fail "$name" "stderr does not match /$pattern/: $(cat "$err")"
  else
    pass "$name" "$(cat "$err")"
  fi
}

u32_at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
# The offsets of the records of a replay log, one a line (the 40-byte header first).
record_offsets() {
  local log=$1 off=40 size len
  size=$(stat -c %s "$log")
  while [ $((off + 8)) -le "$size" ]; do
    echo "$off"
    len=$(u32_at "$log" "$off")
    off=$((off + 8 + len))
  done
}
# flip_bit FILE OFFSET: flips the lowest bit of the byte at OFFSET.
flip_bit() {
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# copy_recording NAME [FROM]: a copy of the good recording with its log raw
# (or of FROM), to damage.
copy_recording() {
  rm -rf "$work/$1"
  cp -r "$work/${2:-good-raw}" "$work/$1"
}

# The recording every case starts from, and its replay: faithful, exit 0.
if ! timeout -k 10 "$limit" "$ARIADNE" record --replayable -o "$work/good" -- "$prog" >"$work/good.out" \
  2>"$work/good.err"; then
  echo "bad input: cannot record $prog: $(tail -n 3 "$work/good.err" | tr '\n' '|')"
  exit 1
fi
if timeout -k 10 "$limit" "$ARIADNE" replay "$work/good" >/dev/null 2>"$work/good-replay.err"; then
  pass intact "replays, exit 0"
else
  fail intact "the undamaged recording does not replay: $(tail -n 3 "$work/good-replay.err" | tr '\n' '|')"
fi
zst=$work/good/replay.log.zst
if [ ! -f "$zst" ] || [ -e "$work/good/replay.log" ]; then
  echo "bad input: the recorder left no replay.log.zst (or left replay.log beside it)"
  exit 1
fi
rm -rf "$work/good-raw" && cp -r "$work/good" "$work/good-raw"
zstd -q -d "$zst" -o "$work/good-raw/replay.log" && rm "$work/good-raw/replay.log.zst"
if timeout -k 10 "$limit" "$ARIADNE" replay "$work/good-raw" >/dev/null 2>"$work/good-raw-replay.err"; then
  pass intact-raw "the log decompressed by hand replays, exit 0"
else
  fail intact-raw "the raw log does not replay: $(tail -n 3 "$work/good-raw-replay.err" | tr '\n' '|')"
fi
log=$work/good-raw/replay.log
mapfile -t offsets < <(record_offsets "$log")
size=$(stat -c %s "$log")
n=${#offsets[@]}
if [ "$n" -lt 4 ]; then
  echo "bad input: $log has only $n records"
  exit 1
fi
last=${offsets[$((n - 1))]}

# a. A trace-only recording.
if timeout -k 10 "$limit" "$ARIADNE" record -o "$work/trace-only" -- "$prog" >/dev/null 2>"$work/trace-only.rec.err"; then
  expect_bad trace-only "$work/trace-only: not a replayable recording" "$work/trace-only"
else
  fail trace-only "cannot record it: $(tail -n 3 "$work/trace-only.rec.err" | tr '\n' '|')"
fi

# b. Truncated: inside the last record (torn), and at the boundary before it
#    (every record whole, but no exit event).
copy_recording torn
truncate -s $((size - 5)) "$work/torn/replay.log"
expect_bad truncated-inside-record \
  "$work/torn/replay.log: offset $last: the log ends before the program's end, but the program exited with [0-9]+ when recorded: the file was truncated" \
  "$work/torn"
copy_recording cut
truncate -s "$last" "$work/cut/replay.log"
expect_bad truncated-at-record-boundary \
  "$work/cut/replay.log: offset $last: the log ends before the program's end, but the program exited with [0-9]+ when recorded: the file was truncated" \
  "$work/cut"
mid=${offsets[$((n / 2))]}
copy_recording cut-mid
truncate -s "$mid" "$work/cut-mid/replay.log"
expect_bad truncated-in-the-middle "$work/cut-mid/replay.log: offset $mid: .*truncated" "$work/cut-mid"

#    Not bad input: a log that ends early because the program was killed when
#    recorded (its session says so) replays up to its end and exits 0
#    (acceptance 6). /bin/sh is a host program: an AArch64 build's ariadne
#    (itself under qemu) has no host runtime to preload into it, and
#    replay.killed covers that build with its own program.
if ! "$ARIADNE" --version | grep -q "build for $(uname -m)" 2>/dev/null || [ "$(uname -m)" != x86_64 ]; then
  pass killed-target "not run by this build (replay.killed covers it)"
elif timeout -k 10 "$limit" "$ARIADNE" record --replayable -o "$work/killed" -- /bin/sh -c 'echo before; kill -9 $$' \
  >/dev/null 2>"$work/killed.rec.err"; then
  fail killed-target "the recording of a program that SIGKILLs itself exited 0"
else
  if timeout -k 10 "$limit" "$ARIADNE" replay "$work/killed" >/dev/null 2>"$work/killed.err" &&
    tail -n 1 "$work/killed.err" | grep -q "the recorded run was cut short there (it was killed by signal 9)"; then
    pass killed-target "not bad input: replays up to the kill, exit 0"
  else
    fail killed-target "$(tail -n 2 "$work/killed.err" | tr '\n' '|')"
  fi
fi

# c. One bit flipped in the middle of a record (in its EventHead), and one in
#    the header (the quantum).
copy_recording flip-record
flip_bit "$work/flip-record/replay.log" $((mid + 8 + 20))
expect_bad bit-flip-record "$work/flip-record/replay.log: offset $mid: record checksum mismatch" "$work/flip-record"
copy_recording flip-header
flip_bit "$work/flip-header/replay.log" 20
expect_bad bit-flip-header "$work/flip-header/replay.log: offset 0: header checksum mismatch" "$work/flip-header"

# d. The executable changed since it was recorded.
mkdir -p "$work/exe"
cp "$prog" "$work/exe/prog"
if timeout -k 10 "$limit" "$ARIADNE" record --replayable -o "$work/changed" -- "$work/exe/prog" >/dev/null \
  2>"$work/changed.rec.err"; then
  cp "$other" "$work/exe/prog.new" && mv -f "$work/exe/prog.new" "$work/exe/prog"
  expect_bad changed-executable "$work/exe/prog: the executable changed since it was recorded \(build-id [0-9a-f]+, recorded [0-9a-f]+\)" \
    "$work/changed"
else
  fail changed-executable "cannot record the copy: $(tail -n 3 "$work/changed.rec.err" | tr '\n' '|')"
fi

# e. No recording there.
expect_bad missing-dir "$work/no-such-dir" "$work/no-such-dir"
echo "not a directory" >"$work/a-file"
expect_bad dir-is-a-file "$work/a-file" "$work/a-file"
mkdir -p "$work/empty"
RUN_IN=$work/empty expect_bad no-dir-no-ariadne.data "ariadne\.data"

# f. The compressed log.
zsize=$(stat -c %s "$zst")
copy_recording zst-cut good
truncate -s $((zsize - 7)) "$work/zst-cut/replay.log.zst"
expect_bad zst-truncated \
  "^ariadne replay: $work/zst-cut/replay.log.zst: compressed offset $((zsize - 7)): the zstd frame ends early: the file was truncated$" \
  "$work/zst-cut"
copy_recording zst-flip good
flip_bit "$work/zst-flip/replay.log.zst" $((zsize / 2))
expect_bad zst-bit-flip "^ariadne replay: $work/zst-flip/replay.log.zst: compressed offset [0-9]+: damaged zstd frame: " \
  "$work/zst-flip"
#    The offset is where the damage was found: past the flipped byte, within the file.
found=$(sed -nE 's/.*compressed offset ([0-9]+):.*/\1/p' "$work/zst-bit-flip.err")
if [ -n "$found" ] && [ "$found" -gt $((zsize / 2)) ] && [ "$found" -le "$zsize" ]; then
  pass zst-bit-flip-offset "found at compressed offset $found of $zsize, the flip at $((zsize / 2))"
else
  fail zst-bit-flip-offset "compressed offset '$found', expected past $((zsize / 2)) and at most $zsize"
fi
copy_recording zst-no-size good
zstd -q -c <"$log" >"$work/zst-no-size/replay.log.zst"  # from a pipe: no content size
expect_bad zst-no-content-size \
  "^ariadne replay: $work/zst-no-size/replay.log.zst: compressed offset 0: the zstd frame does not declare its decompressed size$" \
  "$work/zst-no-size"
#    A bomb: a frame header declaring 5 GiB (single segment, 8-byte size),
#    then one empty last raw block. Refused before anything is allocated.
copy_recording zst-bomb good
printf '\x28\xb5\x2f\xfd\xe0\x00\x00\x00\x40\x01\x00\x00\x00\x01\x00\x00' >"$work/zst-bomb/replay.log.zst"
expect_bad zst-bomb-5GiB \
  "^ariadne replay: $work/zst-bomb/replay.log.zst: compressed offset 0: the zstd frame declares 5368709120 bytes decompressed, more than a replay log may hold \(4294967296 bytes\)$" \
  "$work/zst-bomb"
#    Both logs: the recorder killed between renaming the .zst into place and
#    removing the raw log. The .zst is whole once renamed: it is read.
copy_recording both-logs good
cp "$log" "$work/both-logs/replay.log"
if timeout -k 10 "$limit" "$ARIADNE" replay "$work/both-logs" >"$work/both-logs.out" 2>"$work/both-logs.err" &&
  cmp -s "$work/both-logs.out" "$work/good.out"; then
  pass both-logs "replay.log beside replay.log.zst: the .zst replays, exit 0, the recorded output"
else
  fail both-logs "replay.log beside replay.log.zst: $(tail -n 2 "$work/both-logs.err" | tr '\n' '|')"
fi

# --help
if help=$(timeout -k 10 "$limit" "$ARIADNE" replay --help 2>&1) && grep -q "Exit status" <<<"$help"; then
  pass help "exit 0, mentions Exit status"
else
  fail help "replay --help did not exit 0 or does not mention Exit status"
fi

echo "bad input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
