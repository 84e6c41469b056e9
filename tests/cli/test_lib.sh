# test_lib.sh — sourced by report_test.sh and readers_test.sh after they set
# `suite` (report, readers), `case_name` and `arch`: fail(), the C compiler
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
