# test_lib.sh — sourced by report_test.sh, readers_test.sh and libcalls_test.sh after they set
# `suite` (report, readers, libcalls), `case_name` and `arch`: fail(), the C compiler
# for ARCH in $cc, `ariadne flags` in $flags, build NAME, which compiles
# $SRC_DIR/NAME.c with them at -O0, and prog NAME, the path it is built to:
# one per suite, case and architecture, as ctest runs cases side by side.
# Environment: ARIADNE, SRC_DIR, WORK.
# shellcheck shell=bash disable=SC2154
set -u
mkdir -p "$WORK"
fail() { echo "FAIL [$suite-$case_name/$arch]: $*" >&2; exit 1; }
case $arch in x86_64) cc=${CC_X86_64:-gcc} ;; aarch64) cc=${CC_AARCH64:-aarch64-linux-gnu-gcc} ;; esac
flags=$("$ARIADNE" flags --arch "$arch") || fail "ariadne flags failed"

prog() { echo "$WORK/$suite-$case_name-$1-$arch"; }

build() {  # build NAME -> $(prog NAME)
  # shellcheck disable=SC2086
  $cc $flags -O0 -o "$(prog "$1")" "$SRC_DIR/$1.c" || fail "cannot compile $1.c"
}

# uftrace_report DIR PROG ARGS...: records PROG with uftrace 0.13 (-P .: the
# patchable entries) into DIR and puts `uftrace report` in $ureport. uftrace
# once left an unreadable info file under CI load ("unsupported file
# version: 67108864" from its own report): it gets a second try.
uftrace_report() {
  local ud=$1 try
  shift
  for try in 1 2; do
    rm -rf "$ud"
    uftrace record --no-sched -P . -d "$ud" "$@" >/dev/null 2>&1 || fail "uftrace record failed"
    ureport=$(uftrace report -d "$ud" 2>&1) && return 0
    echo "uftrace report, try $try: $ureport"
  done
  fail "uftrace report failed"
}
