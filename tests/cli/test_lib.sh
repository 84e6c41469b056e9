# test_lib.sh — sourced by report_test.sh and readers_test.sh after they set
# `suite` (report, readers), `case_name` and `arch`: fail(), the C compiler
# for ARCH in $cc, `ariadne flags` in $flags, and build NAME, which compiles
# $SRC_DIR/NAME.c with them at -O0 into $WORK/NAME-ARCH.
# Environment: ARIADNE, SRC_DIR, WORK.
# shellcheck shell=bash disable=SC2154
set -u
mkdir -p "$WORK"
fail() { echo "FAIL [$suite-$case_name/$arch]: $*" >&2; exit 1; }
case $arch in x86_64) cc=${CC_X86_64:-gcc} ;; aarch64) cc=${CC_AARCH64:-aarch64-linux-gnu-gcc} ;; esac
flags=$("$ARIADNE" flags --arch "$arch") || fail "ariadne flags failed"

build() {  # build NAME -> $WORK/NAME-ARCH
  # shellcheck disable=SC2086
  $cc $flags -O0 -o "$WORK/$1-$arch" "$SRC_DIR/$1.c" || fail "cannot compile $1.c"
}
