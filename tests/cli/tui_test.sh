#!/usr/bin/env bash
# tui_test.sh CASE ARCH — `ariadne tui` on a recording of recursion.c (fib,
# is_even/is_odd, dive under main), driven in a tmux session of 120x40 with
# send-keys and checked on the screen capture-pane prints after each step.
#   screens: open (title, header, the process/thread/main rows), fold (main's
#     callees gone and back), sort (the report's rows in each column's order,
#     with the exact call counts), search (the cursor row on the match, in the
#     report and in the tree, a folded match opened), jump (Enter on a report
#     row: the tree, the cursor on its first call), graph (g), quit (q: the
#     session ends, status 0).
#   refusals: no terminal, and DIR not a recording: the same line and status
#     (2) as `ariadne report`.
#   damaged: a segment cut short: the view opens on what is intact, and after
#     q the problems are on stderr and the status is 1, as `report` does.
# The cursor row starts with "> " (besides reverse video), so it shows in text.
# Environment: ARIADNE, SRC_DIR (recursion.c), WORK.
suite=tui case_name=$1 arch=$2
# shellcheck source=tests/cli/test_lib.sh
. "$(dirname "$0")/test_lib.sh"
command -v tmux >/dev/null || fail "tmux is not installed (scripts/setup installs it)"

build recursion
dir=$WORK/tui-$case_name-$arch.data
rm -rf "$dir"
"$ARIADNE" record --no-libcalls -o "$dir" -- "$(prog recursion)" 4 >/dev/null 2>&1 || fail "record failed"

case $case_name in
refusals)
  want=$("$ARIADNE" report "$WORK/no-such.data" 2>&1 >/dev/null)
  want_status=$?
  got=$("$ARIADNE" tui "$WORK/no-such.data" 2>&1 >/dev/null </dev/null)
  status=$?
  echo "report: $want_status $want"
  echo "tui:    $status $got"
  { [ "$want_status" -eq 2 ] && [ "$status" -eq 2 ]; } || fail "not a recording: status $status, report's $want_status"
  [ "$got" = "$want" ] || fail "not a recording: '$got', report says '$want'"
  got=$("$ARIADNE" tui "$dir" 2>&1 </dev/null)
  status=$?
  echo "no terminal: $status $got"
  [ "$status" -eq 2 ] || fail "no terminal: status $status"
  [ "$got" = "ariadne: tui needs a terminal: standard input and output are not both one (for scripts: \`ariadne report\`, \`show\`, \`graph\`)" ] ||
    fail "no terminal: '$got'"
  echo "tui-refusals: OK"
  exit 0
  ;;
screens | damaged) ;;
*) fail "unknown case" ;;
esac

# A tmux server of our own (its own socket), gone when the test ends.
sock=ariadne-tui-$arch-$$
status_file=$WORK/tui-$case_name-$arch.status
rm -f "$status_file"
T() { tmux -L "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; true' EXIT
stderr_file=$WORK/tui-$case_name-$arch.stderr
if [ "$case_name" = damaged ]; then
  seg=$(find "$dir" -name 't*-0.seg*' | head -1)
  [ -n "$seg" ] || fail "no segment in $dir"
  truncate -s 200 "$seg"
fi
T new-session -d -s tui -x 120 -y 40 "'$ARIADNE' tui '$dir' 2>'$stderr_file'; echo \$? >'$status_file'" ||
  fail "tmux new-session failed"

shot=
screen() { shot=$(T capture-pane -p -t tui) || fail "capture-pane failed (the view ended early?)"; }
# wait_for REGEX WHAT: until a line of the screen matches REGEX (grep -E),
# for at most 60 s (the AArch64 build of ariadne runs under QEMU), and then
# until the screen holds still: a capture can catch a redraw half done (the
# new title over the old view's rows, seen once under load).
wait_for() {
  local deadline=$((SECONDS + 60))
  while :; do
    screen
    if grep -Eq -- "$1" <<<"$shot"; then
      settle
      return 0
    fi
    [ $SECONDS -ge $deadline ] && {
      echo "$shot"
      fail "$2: no line /$1/ on the screen"
    }
    sleep 0.1
  done
}
# settle: captures until two in a row, 0.1 s apart, are the same.
settle() {
  local before
  while :; do
    before=$shot
    sleep 0.1
    screen
    [ "$shot" = "$before" ] && return 0
    [ $SECONDS -ge $deadline ] && return 0  # wait_for's deadline: the checks after it will say what is wrong
  done
}
has() { grep -Eq -- "$1" <<<"$shot" || {
  echo "$shot"
  fail "$2: no line /$1/"
}; }
lacks() { ! grep -Eq -- "$1" <<<"$shot" || {
  echo "$shot"
  fail "$2: a line /$1/"
}; }
keys() { T send-keys -t tui "$@"; }
# The function names of the report's rows, top to bottom, space-separated.
report_names() { sed -n '3,38p' <<<"$shot" | sed -nE 's/^[> ] .* ([A-Za-z_]+)$/\1/p' | tr '\n' ' '; }
# The Calls column of FUNC's report row.
calls_of() { sed -nE "s/^[> ] +[0-9.]+ [mun]?s +[0-9.]+ [mun]?s +([0-9]+) .* $1\$/\1/p" <<<"$shot"; }

# quit STATUS: q ends the session with STATUS.
quit() {
  keys q
  local deadline=$((SECONDS + 60))
  while T has-session -t tui 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && fail "q: the view still open after 60 s"
    sleep 0.1
  done
  [ "$(cat "$status_file" 2>/dev/null)" = "$1" ] || fail "q: exit status '$(cat "$status_file" 2>/dev/null)', not $1"
}

if [ "$case_name" = damaged ]; then
  wait_for '^ +Total time +Calls +Function$' "open a damaged recording"
  has '^> .*\[-\] tui-damaged-recursion-'"$arch"' \[[0-9]+\]$' "damaged: the process row"
  has '^[0-9]+ problems? in the recording \(on stderr after q\): the views show what is intact$' "damaged: message"
  quit 1
  cat "$stderr_file"
  grep -q "^ariadne: $dir/.*/t[0-9]*-0.seg" "$stderr_file" || fail "damaged: no problem naming the segment on stderr"
  grep -qE '^ariadne: [0-9]+ problems? in the recording; the output shows what is intact$' "$stderr_file" ||
    fail "damaged: no summary line on stderr"
  echo "tui-damaged: OK"
  exit 0
fi

# Open: the title, the column header, the process, thread and main rows, the help line.
wait_for '^> .*\[-\] tui-screens-recursion-'"$arch"' \[[0-9]+\]$' "open"
has '^\[1 Tree\]  2 Report   3 Graph    ariadne tui /' "open: title"
has '^ +Total time +Calls +Function$' "open: header"
has '^  .*\[-\] thread [0-9]+$' "open: thread row"
has '^  .* 1      \[-\] main$' "open: main row, 1 call"
has '^  .*\[\+\] fib$' "open: fib under main"
has '^q quit .*/ search' "open: help line"
echo "$shot" | head -8

# Fold: main's callees go, and come back.
keys j j
wait_for '^> .*\[-\] main$' "cursor on main"
keys Enter
wait_for '^> .*\[\+\] main$' "fold main"
lacks '(fib|dive|is_even)$' "main folded: its callees still shown"
keys Space
wait_for '^> .*\[-\] main$' "open main again"
for f in fib dive is_even; do has "^  .*        \[\+\] $f\$" "main open: $f"; done
echo "fold: OK"

# Sort: by total (main first), calls (largest first, exact counts), name.
keys 2
wait_for '\[2 Report\]' "report view"
has '^ +Total time\* +Self time +Calls ' "report: sorted by total"
[ "$(report_names | cut -d' ' -f1)" = main ] || fail "by total: main is not first: $(report_names)"
keys s s
wait_for 'sorted by Calls' "sort by calls"
has ' Calls\* ' "report: the Calls heading marked"
echo "$shot" | sed -n '2,8p'
[ "$(report_names)" = "is_even is_odd dive fib main " ] || fail "by calls: $(report_names)"
{ [ "$(calls_of is_even)" = 40100 ] && [ "$(calls_of is_odd)" = 40000 ] && [ "$(calls_of fib)" = 27 ] &&
  [ "$(calls_of main)" = 1 ]; } || fail "call counts: is_even $(calls_of is_even), is_odd $(calls_of is_odd), fib $(calls_of fib)"
keys s s s s
wait_for 'sorted by Function' "sort by name"
[ "$(report_names)" = "dive fib is_even is_odd main " ] || fail "by name: $(report_names)"
echo "sort: OK"

# Search in the report, then Enter: fib's first call in the tree.
keys / f i b Enter
wait_for '^> .* fib$' "search /fib in the report"
has '^/fib  \(n: the next one\)$' "search: message"
keys Enter
wait_for '\[1 Tree\]' "jump to the tree"
has '^> .* 3        \[\+\] fib$' "jump: the cursor on fib's 3 calls under main"
has "^the first call of 'fib' in the tree\$" "jump: message"
echo "jump: OK"

# Search in the tree: dive under main, then (n) dive under dive, opened.
keys / d i v e Enter
wait_for '^> .* 50        \[\+\] dive$' "search /dive in the tree"
keys n
wait_for '^> .* 50          \[\+\] dive$' "n: dive under dive"
has '^  .* 50        \[-\] dive$' "n: the first dive opened"
echo "search: OK"

# Graph of fib: its 3 calls, the 6 fib calls they make.
keys / f i b Enter g
wait_for '\[3 Graph: fib\]' "graph view"
has '^ +Total time +Calls +Calls under fib$' "graph: header"
has '^> .* 3  \[-\] fib$' "graph: fib's 3 calls"
has '^  .* 6    \[[-+]\] fib$' "graph: the 6 calls they make"
echo "graph: OK"

# Quit: the session ends, status 0.
quit 0
echo "tui-screens: OK"
