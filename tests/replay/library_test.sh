#!/usr/bin/env bash
# library_test.sh PROG BUILD1 BUILD2 — `ariadne replay` checks the program's
# shared libraries by build-id (issue 17, "Memory"). PROG (library_calls)
# needs libreplay_linked.so and dlopens libreplay_loaded.so, both found on
# LD_LIBRARY_PATH; BUILD1 and BUILD2 hold two builds of each with different
# content (so different build-ids). PROG is recorded with BUILD1's copies in
# a directory on LD_LIBRARY_PATH (relative: the recording keeps it absolute); then
#   a. `ariadne info` lists both libraries and libc with their build-ids,
#      the dlopen'ed one marked, and neither the vDSO nor ariadne's own;
#   b. the recording replays (exit 0) with the libraries as recorded;
#   c. BUILD2's libreplay_linked.so swapped in: exit 2, one line naming the
#      library and both build-ids; the same for libreplay_loaded.so (the
#      dlopen'ed one, checked before the program starts like the others);
#   d. libreplay_loaded.so removed: exit 2, one line naming it;
#   e. BUILD1's copies back: exit 0 again.
# Environment: ARIADNE, WORK. One line per case; exit 0 when all pass.
set -u
if [ $# -ne 3 ]; then
  echo "usage: ARIADNE=... WORK=... $0 PROG BUILD1 BUILD2" >&2
  exit 2
fi
: "${ARIADNE:?}" "${WORK:?}"
prog=$1 build1=$2 build2=$3
limit=${REPLAY_TIMEOUT:-120}
work=$WORK/libraries
rm -rf "$work"
mkdir -p "$work/lib" "$work/tmp"
export TMPDIR=$work/tmp
lib=$work/lib

passed=0 failed=0
# result NAME ok|FAIL TEXT: one line per case, counted.
result() {
  if [ "$2" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  printf 'libraries: %s: %s: %s\n' "$1" "$2" "$3"
}
# put BUILD NAME: that build's copy of libNAME.so into the library directory
# (a new file moved over the old one, as an install does).
put() {
  cp "$1/lib$2.so" "$lib/lib$2.so.new" && mv -f "$lib/lib$2.so.new" "$lib/lib$2.so"
}
id_of() { readelf -n "$1" | sed -nE 's/.*Build ID: ([0-9a-f]+).*/\1/p'; }
expect_ok() {
  local name=$1
  timeout -k 10 "$limit" "$ARIADNE" replay "$work/rec" >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  if [ $rc -eq 0 ] && cmp -s "$work/$name.out" "$work/record.out"; then
    result "$name" ok "$(tail -n 1 "$work/$name.err")"
  else
    result "$name" FAIL "exit status $rc, expected 0: $(head -c 400 "$work/$name.err" | tr '\n' '|')"
  fi
}
expect_bad() {
  local name=$1 pattern=$2 rc lines
  timeout -k 10 "$limit" "$ARIADNE" replay "$work/rec" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
  lines=$(wc -l <"$work/$name.err")
  if [ $rc -ne 2 ]; then
    result "$name" FAIL "exit status $rc, expected 2; stderr: $(head -c 400 "$work/$name.err" | tr '\n' '|')"
  elif [ "$lines" -ne 1 ]; then
    result "$name" FAIL "$lines lines on stderr, expected 1: $(head -c 400 "$work/$name.err" | tr '\n' '|')"
  elif ! grep -Eq -- "$pattern" "$work/$name.err"; then
    result "$name" FAIL "stderr does not match /$pattern/: $(cat "$work/$name.err")"
  else
    result "$name" ok "$(cat "$work/$name.err")"
  fi
}

linked1=$(id_of "$build1/libreplay_linked.so") linked2=$(id_of "$build2/libreplay_linked.so")
loaded1=$(id_of "$build1/libreplay_loaded.so") loaded2=$(id_of "$build2/libreplay_loaded.so")
if [ -z "$linked1" ] || [ "$linked1" = "$linked2" ] || [ -z "$loaded1" ] || [ "$loaded1" = "$loaded2" ]; then
  echo "libraries: the two builds must have different build-ids: linked $linked1 / $linked2, loaded $loaded1 / $loaded2"
  exit 1
fi

put "$build1" replay_linked
put "$build1" replay_loaded
# A relative LD_LIBRARY_PATH: the loader names the libraries relative to the
# working directory, the recording keeps them absolute.
if ! (cd "$work" && LD_LIBRARY_PATH=lib exec timeout -k 10 "$limit" "$ARIADNE" record --replayable \
  -o "$work/rec" -- "$prog") >"$work/record.out" 2>"$work/record.err" || ! grep -q EXIT-SUCCESS "$work/record.out"; then
  echo "libraries: cannot record $prog: $(tail -n 3 "$work/record.err" | tr '\n' '|')"
  exit 1
fi

# a. What info lists.
"$ARIADNE" info "$work/rec" >"$work/info.out" 2>&1
if grep -Eq "^ +$lib/libreplay_linked\.so ${linked1:0:12}\$" "$work/info.out" &&
  grep -Eq "^ +$lib/libreplay_loaded\.so ${loaded1:0:12} \(dlopen\)\$" "$work/info.out" &&
  grep -Eq "^Libraries +[0-9]+ shared objects, checked by build-id at replay\$" "$work/info.out" &&
  grep -Eq "^ +/.*/libc\.so\.6 [0-9a-f]{12}\$" "$work/info.out" &&
  ! grep -Eq "linux-vdso|libariadne-" "$work/info.out"; then
  result info ok "$(grep -A2 '^Libraries' "$work/info.out" | tr -s ' ' | tr '\n' '|')"
else
  result info FAIL "$(cat "$work/info.out")"
fi

# b. As recorded.
expect_ok as-recorded

# c. Another build of each.
put "$build2" replay_linked
expect_bad changed-linked \
  "^ariadne replay: $lib/libreplay_linked\.so: the library changed since it was recorded \(build-id $linked2, recorded $linked1\)\$"
put "$build1" replay_linked
put "$build2" replay_loaded
expect_bad changed-dlopened \
  "^ariadne replay: $lib/libreplay_loaded\.so: the library changed since it was recorded \(build-id $loaded2, recorded $loaded1\)\$"

# d. Gone.
rm -f "$lib/libreplay_loaded.so"
expect_bad missing-dlopened "^ariadne replay: $lib/libreplay_loaded\.so: the library cannot be read since it was recorded \(No such file or directory; recorded build-id $loaded1\)\$"

# e. The recorded builds back.
put "$build1" replay_loaded
expect_ok restored

echo "libraries: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
