#!/usr/bin/env bash
# cli_test.sh CASE ARCH — one end-to-end check of `ariadne`.
# Environment: ARIADNE (the binary under test), PROBE_SRC, WORK (scratch dir).
set -u
case_name=$1 arch=$2
mkdir -p "$WORK"
fail() { echo "FAIL [$case_name/$arch]: $*" >&2; exit 1; }

cc_for() {
  case $1 in
    x86_64) echo "${CC_X86_64:-gcc}" ;;
    aarch64) echo "${CC_AARCH64:-aarch64-linux-gnu-gcc}" ;;
  esac
}

# build_probe ARCH [EXTRA FLAGS...] -> prints the path of a probe built with `ariadne flags`
build_probe() {
  local a=$1; shift
  local out="$WORK/probe-$a-$case_name"
  local flags
  flags=$("$ARIADNE" flags --arch "$a") || fail "ariadne flags --arch $a failed"
  # shellcheck disable=SC2086
  "$(cc_for "$a")" $flags "$@" -o "$out" "$PROBE_SRC" || fail "cannot compile the probe with: $flags"
  echo "$out"
}

# build_plain ARCH NAME SOURCE [EXTRA FLAGS...] -> prints the path of SOURCE built WITHOUT `ariadne flags`
build_plain() {
  local a=$1 name=$2 src=$3; shift 3
  local out="$WORK/$name-$a-$case_name"
  "$(cc_for "$a")" "$@" -o "$out" "$src" || fail "cannot compile $src"
  echo "$out"
}

# expect_one_line_error EXPECTED_RC PATTERN -- COMMAND...: stderr is one line matching PATTERN
expect_error() {
  local pattern=$1; shift
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq 2 ] || fail "exit status $rc, expected 2 (stderr: $err)"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "expected one line on stderr, got: $err"
  printf '%s\n' "$err" | grep -qE -- "$pattern" || fail "stderr '$err' does not match /$pattern/"
  echo "ok: $err"
}

write_elf_header() {  # write_elf_header FILE CLASS(1|2) MACHINE
  python3 - "$@" <<'PY'
import struct, sys
path, cls, machine = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ident = b"\x7fELF" + bytes([cls, 1, 1]) + bytes(9)
if cls == 1:
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, 0, 0, 0, 0, 52, 0, 0, 0, 0, 0)
else:
    hdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0)
open(path, "wb").write(hdr)
PY
}

case $case_name in
  flags-roundtrip)
    probe=$(build_probe "$arch")
    readelf -SW "$probe" | grep -q __patchable_function_entries \
      || fail "no __patchable_function_entries section: the flags do not instrument"
    plain=$("$probe" 2>&1) || true
    [ "$plain" != "${plain#runtime absent}" ] || fail "probe sees a runtime without ariadne: $plain"
    out=$("$ARIADNE" exec -- "$probe") || fail "ariadne exec failed: $out"
    echo "$out" | grep -qx "runtime loaded: libariadne-rt [0-9.]* ($arch), mapped=1" \
      || fail "runtime not shown loaded: $out"
    echo "ok: $(echo "$out" | head -n1)"
    ;;
  flags-replayable)
    # A call of __sanitizer_cov_trace_pc at every basic block, bound to
    # libariadne-cov.so's empty one, so the probe runs without Ariadne too; the
    # library is kept when --as-needed comes before the flags (Ubuntu's default).
    flags=$("$ARIADNE" flags --arch "$arch" --replayable) || fail "ariadne flags --replayable failed"
    probe=$WORK/probe-$arch-$case_name
    # shellcheck disable=SC2086
    "$(cc_for "$arch")" -Wl,--as-needed $flags -o "$probe" "$PROBE_SRC" || fail "cannot compile the probe with: $flags"
    readelf -dW "$probe" | grep -q 'NEEDED.*\[libariadne-cov\.so\]' || fail "libariadne-cov.so not linked"
    readelf --dyn-syms -W "$probe" | grep -q 'UND __sanitizer_cov_trace_pc' || fail "no call of __sanitizer_cov_trace_pc"
    out=$("$probe") || fail "does not run without ariadne: $out"
    [ "$out" != "${out#runtime absent}" ] || fail "probe sees a runtime without ariadne: $out"
    out=$("$ARIADNE" exec -- "$probe") || fail "ariadne exec failed: $out"
    echo "$out" | grep -q "^runtime loaded" || fail "runtime not shown loaded: $out"
    [ "$("$ARIADNE" flags --arch "$arch" --replayable --cflags)" = "$("$ARIADNE" flags --arch "$arch" --cflags) -fsanitize-coverage=trace-pc" ] \
      || fail "--replayable --cflags: $("$ARIADNE" flags --arch "$arch" --replayable --cflags)"
    echo "ok: $flags"
    ;;
  exit-status)
    probe=$(build_probe "$arch")
    "$ARIADNE" exec -- "$probe" exit 42 >/dev/null; rc=$?
    [ $rc -eq 42 ] || fail "exit status $rc, expected 42"
    echo "ok: exit 42 passed through"
    ;;
  fatal-signal)
    probe=$(build_probe "$arch")
    "$ARIADNE" exec -- "$probe" signal 11 >/dev/null 2>&1; rc=$?
    [ $rc -eq 139 ] || fail "status $rc, expected 139 (killed by SIGSEGV)"
    "$ARIADNE" exec -- "$probe" signal 15 >/dev/null 2>&1; rc=$?
    [ $rc -eq 143 ] || fail "status $rc, expected 143 (killed by SIGTERM)"
    echo "ok: SIGSEGV and SIGTERM passed through"
    ;;
  argv0)
    probe=$(build_probe "$arch")
    cd "$(dirname "$probe")" || fail "cd"
    name="./$(basename "$probe")"
    out=$("$ARIADNE" exec -- "$name" x) || fail "exec failed"
    echo "$out" | grep -qxF "argv0=$name" || fail "argv[0] not preserved: $out"
    echo "ok: argv0=$name"
    ;;
  static-refused)
    probe=$(build_probe "$arch" -static)
    expect_error "statically linked" "$ARIADNE" exec -- "$probe"
    ;;
  nothing-instrumented)
    # abicheck and record on a program built without the flags: one line, status 2.
    plain=$(build_plain "$arch" plain "$PROBE_SRC")
    for cmd in "abicheck" "record -o $WORK/plain-$arch.data"; do
      # shellcheck disable=SC2086
      expect_error "^ariadne ${cmd%% *}: nothing is instrumented in $plain: build it with \`ariadne flags\`\$" \
        "$ARIADNE" $cmd -- "$plain"
    done
    ;;
  dlopen-instrumented|exec-instrumented)
    # A run whose only instrumented code is a dlopen'ed library, or a program
    # the uninstrumented PROG execs, is not refused.
    plain=$(build_plain "$arch" plain "$PROBE_SRC")
    if [ "$case_name" = dlopen-instrumented ]; then
      flags=$("$ARIADNE" flags --arch "$arch") || fail "ariadne flags failed"
      # shellcheck disable=SC2086
      lib=$(build_plain "$arch" lib.so "$(dirname "$PROBE_SRC")/probe_lib.c" $flags -shared -fPIC)
      args=(dlopen "$lib") calls=2
    else
      args=(exec "$(build_probe "$arch")") calls=3
    fi
    out=$("$ARIADNE" abicheck -- "$plain" "${args[@]}" 2>&1) || fail "abicheck exited $?: $out"
    grep -qxF "ariadne abicheck: $calls calls checked, no violation; 0 not compared (left by longjmp or an exception)" <<<"$out" || fail "abicheck: $out"
    # --no-libcalls: the exec'd probe's library calls (fgets per line of
    # /proc/self/maps...) vary from run to run; the count is of its functions.
    out=$("$ARIADNE" record -o "$WORK/$case_name-$arch.data" --no-libcalls -- "$plain" "${args[@]}" 2>&1) \
      || fail "record exited $?: $out"
    grep -qE "^ariadne record: .*, $calls calls, " <<<"$out" || fail "record: $out"
    echo "ok: abicheck and record count the $calls calls (${args[0]})"
    ;;
  qemu-absent)
    probe=$(build_probe "$arch")
    ARIADNE_QEMU=/nonexistent/qemu-$arch expect_error "$arch program .* /nonexistent/qemu-$arch was not found" \
      "$ARIADNE" exec -- "$probe"
    ;;
  not-elf) expect_error "^ariadne: /etc/passwd: not an ELF file" "$ARIADNE" exec -- /etc/passwd ;;
  missing) expect_error "^ariadne: /nonexistent: No such file or directory$" "$ARIADNE" exec -- /nonexistent ;;
  directory) expect_error "^ariadne: /tmp: is a directory" "$ARIADNE" exec -- /tmp ;;
  not-in-path) expect_error "no-such-prog-ariadne: command not found in PATH" "$ARIADNE" exec -- no-such-prog-ariadne ;;
  i386-elf)
    write_elf_header "$WORK/i386.elf" 1 3 && chmod +x "$WORK/i386.elf"
    expect_error "i386.elf: 32-bit ELF \(i386, e_machine 3\) is not supported" "$ARIADNE" exec -- "$WORK/i386.elf"
    ;;
  riscv-elf)
    write_elf_header "$WORK/riscv.elf" 2 243 && chmod +x "$WORK/riscv.elf"
    expect_error "riscv.elf: ELF machine RISC-V \(e_machine 243\) is not supported" "$ARIADNE" exec -- "$WORK/riscv.elf"
    ;;
  bad-arch) expect_error "--arch sparc: unknown architecture" "$ARIADNE" flags --arch sparc ;;
  help)
    "$ARIADNE" --help | grep -q "exec" || fail "--help does not list exec"
    "$ARIADNE" help exec | grep -q "PROG ARGS" || fail "help exec does not explain exec"
    "$ARIADNE" help flags | grep -q -- "--arch" || fail "help flags does not explain --arch"
    "$ARIADNE" help flags | grep -q -- "--replayable" || fail "help flags does not explain --replayable"
    expect_error "help nope: no such command" "$ARIADNE" help nope
    ;;
  version)
    out=$("$ARIADNE" --version) || fail "--version failed"
    echo "$out" | grep -qE "^ariadne [0-9]+\.[0-9]+\.[0-9]+ \((Debug|Release) build for $arch\)$" \
      || fail "unexpected --version: $out"
    echo "ok: $out"
    ;;
  *) fail "unknown case" ;;
esac
