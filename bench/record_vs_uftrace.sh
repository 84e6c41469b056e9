#!/usr/bin/env bash
# record_vs_uftrace.sh [-r REPS] [-n FIB_N] [-l LOOP_N] [-N AARCH64_FIB_N] [-L AARCH64_LOOP_N] [x86_64|aarch64|both]
#
# Ariadne's recording side by side with uftrace 0.13 on a call-heavy program
# (bench/record_workload.c: recursive fib plus a loop of leaf calls), in one
# run (docs/performance.md, "Recording: side by side with uftrace").
#
# The workload is built three ways by this script: plain (the baseline), -pg
# (uftrace's usual mode, mcount) and with Ariadne's flags
# (-fpatchable-function-entry, which uftrace's dynamic mode `-P .` uses too).
# Both uftrace modes are measured; the faster one is uftrace's figure.
# "ours" is `ariadne record` (its fused path; "ours-generic" the same with
# --generic-path, for comparison).
#
# x86-64, natively: REPS rounds (31 by default: separate processes of one
# variant differ by up to 1.5x on a shared VM, and with 7 rounds the ratio
# of two medians still moved by 8 % between runs; docs/performance.md),
# each running every variant once in a
# shuffled order; per variant the median over the rounds of the time the
# program measures itself between its two markers (start-up and shutdown
# left out) and of the whole run's wall time. Overhead per call =
# (median(variant) - median(plain)) / calls.
# AArch64, under qemu-aarch64 + the insn_count plugin: guest instructions
# between the program's markers, per call over plain. uftrace runs as
# uftrace:arm64 (scripts/fetch-uftrace-arm64) under qemu-aarch64; the
# program it starts is a wrapper that runs the workload under
# qemu-aarch64 -plugin (the exec that uftrace makes would otherwise go to
# binfmt_misc's qemu, which has no plugin). The count is of the traced
# program only: uftrace's separate writer process is not in it, Ariadne has
# none.
# Trace bytes per call: the event data (uftrace: *.dat; ours: segments) and
# the whole data directory, over calls.
#
# Build dirs: $NATIVE_BUILD (build/native-release), $AARCH64_BUILD
# (build/aarch64-release); each needs the targets ariadne, ariadne_rt,
# insn_count.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
reps=31 fib_n=30 loop_n=2000000 a_fib_n=18 a_loop_n=5000
while getopts r:n:l:N:L: o; do
  case $o in
    r) reps=$OPTARG ;; n) fib_n=$OPTARG ;; l) loop_n=$OPTARG ;;
    N) a_fib_n=$OPTARG ;; L) a_loop_n=$OPTARG ;;
    *) sed -n 2p "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
which=${1:-both}
native_build=$(realpath -m "${NATIVE_BUILD:-$top/build/native-release}")
aarch64_build=$(realpath -m "${AARCH64_BUILD:-$top/build/aarch64-release}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # the -pg programs leave gmon.out where they run
cflags=(-O2 -fno-optimize-sibling-calls -fno-omit-frame-pointer -I"$top/tools/qemu-plugin")

# build ARCH CC PATCHABLE_FLAGS: the three binaries in $work/ARCH/.
build_workload() {
  local arch=$1 cc=$2 pfe=$3 d=$work/$1
  mkdir -p "$d"
  "$cc" "${cflags[@]}" "$top/bench/record_workload.c" -o "$d/plain"
  "$cc" "${cflags[@]}" -pg "$top/bench/record_workload.c" -o "$d/pg"
  "$cc" "${cflags[@]}" "$pfe" -Wl,--build-id "$top/bench/record_workload.c" -o "$d/patchable"
}

need() { [ -e "$1" ] || { echo "record_vs_uftrace.sh: no $1 (build the preset's targets: $2)" >&2; exit 1; }; }

# bytes DIR GLOB -> "event-bytes dir-bytes"
bytes() {
  local ev
  ev=$(find "$1" -type f -name "$2" -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  echo "$ev $(du -sb "$1" | cut -f1)"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }

# --------------------------------------------------------------------------
run_x86() {
  local b=$native_build rt calls
  need "$b/ariadne" ariadne
  rt=$b/lib/x86_64/libariadne-rt.so
  need "$rt" ariadne_rt
  command -v uftrace >/dev/null || { echo "record_vs_uftrace.sh: uftrace not installed" >&2; exit 1; }
  build_workload x86_64 gcc -fpatchable-function-entry=5
  local d=$work/x86_64 args=("$fib_n" "$loop_n") v r
  # run VARIANT OUTDIR: prints the program's line plus "wall_ns W".
  run() {
    local t0 t1 out
    t0=$(date +%s%N)
    case $1 in
      plain) out=$("$d/plain" "${args[@]}") ;;
      uftrace-pg) out=$(uftrace record -d "$2" "$d/pg" "${args[@]}") ;;
      uftrace-P) out=$(uftrace record -P . -d "$2" "$d/patchable" "${args[@]}") ;;
      ours-generic) out=$("$b/ariadne" record --generic-path -o "$2" -- "$d/patchable" "${args[@]}") ;;
      ours) out=$("$b/ariadne" record -o "$2" -- "$d/patchable" "${args[@]}") ;;
    esac
    t1=$(date +%s%N)
    echo "$out wall_ns $((t1 - t0))"
  }
  local variants=(plain uftrace-pg uftrace-P ours ours-generic)
  for ((r = 0; r < reps; r++)); do
    for v in $(printf '%s\n' "${variants[@]}" | shuf); do
      rm -rf "$work/x-$v"
      run "$v" "$work/x-$v" >"$work/x-$v.$r.out"
      [ "$v" = plain ] || bytes "$work/x-$v" "$([ "${v%%-*}" = uftrace ] && echo '*.dat' || echo '*.seg*')" \
        >"$work/x-$v.bytes"
    done
  done
  calls=$(field calls <"$work/x-plain.0.out")
  for v in "${variants[@]}"; do
    local c
    c=$(field calls <"$work/x-$v.0.out")
    [ "$c" = "$calls" ] || { echo "record_vs_uftrace.sh: $v made $c calls, plain $calls" >&2; exit 1; }
    for k in work cpu wall; do cat "$work"/x-"$v".*.out | field "${k}_ns" | median >"$work/x-$v.$k"; done
  done
  echo "x86-64 natively: fib($fib_n) + loop($loop_n) = $calls calls; median of $reps shuffled rounds"
  echo "  ns/call: between the program's markers (work: monotonic; cpu: the thread's CPU time), and over"
  echo "  the whole run (wall, start-up and shutdown included); + = over plain"
  printf '  %-12s %9s %9s %9s %9s %10s %9s %9s %10s\n' variant "work" "+work" "cpu" "+cpu" "+wall" \
    "event B" "dir B" "dir bytes"
  for v in "${variants[@]}"; do
    local ev dir
    if [ "$v" = plain ]; then ev=- dir=-; else read -r ev dir <"$work/x-$v.bytes"; fi
    awk -v v="$v" -v w="$(cat "$work/x-$v.work")" -v u="$(cat "$work/x-$v.cpu")" -v a="$(cat "$work/x-$v.wall")" \
        -v pw="$(cat "$work/x-plain.work")" -v pu="$(cat "$work/x-plain.cpu")" -v pa="$(cat "$work/x-plain.wall")" \
        -v c="$calls" -v ev="$ev" -v dir="$dir" 'BEGIN {
      printf "  %-12s %9.2f %9.2f %9.2f %9.2f %10.2f %9s %9s %10s\n", v, w / c, (w - pw) / c, u / c, (u - pu) / c,
        (a - pa) / c, ev == "-" ? "-" : sprintf("%.2f", ev / c), dir == "-" ? "-" : sprintf("%.2f", dir / c), dir }'
  done
  for k in work cpu wall; do
    awk -v k="$k" -v g="$(cat "$work/x-uftrace-pg.$k")" -v p="$(cat "$work/x-uftrace-P.$k")" \
        -v o="$(cat "$work/x-ours.$k")" -v b="$(cat "$work/x-plain.$k")" -v c="$calls" 'BEGIN {
      u = (g < p ? g : p); m = (g < p ? "-pg" : "-P .")
      printf "x86-64 ratio (%s): uftrace (%s, its faster mode) +%.2f ns/call / ours +%.2f ns/call = %.2fx\n",
        k, m, (u - b) / c, (o - b) / c, (u - b) / (o - b) }'
  done
}

# --------------------------------------------------------------------------
run_aarch64() {
  local b=$aarch64_build rt plugin calls uft
  need "$b/ariadne" ariadne
  rt=$b/lib/aarch64/libariadne-rt.so
  need "$rt" ariadne_rt
  plugin=$b/tools/qemu-plugin/libinsn_count.so
  need "$plugin" insn_count
  command -v qemu-aarch64 >/dev/null || { echo "record_vs_uftrace.sh: qemu-aarch64 not found" >&2; exit 1; }
  "$top/scripts/fetch-uftrace-arm64"
  uft=$top/build/peers/uftrace-arm64
  build_workload aarch64 aarch64-linux-gnu-gcc -fpatchable-function-entry=2
  local d=$work/aarch64 args=("$a_fib_n" "$a_loop_n") v
  # A program for uftrace to start: runs the workload under the plugin,
  # handing it the preload uftrace set (kept out of the host's qemu).
  wrapper() {
    cat >"$work/wrap-$1" <<EOF
#!/bin/sh
pre=\$LD_PRELOAD
exec env -u LD_PRELOAD qemu-aarch64 -plugin $plugin,out=$work/a-$2.insns -E LD_PRELOAD="\$pre" $d/$1 "\$@"
EOF
    chmod +x "$work/wrap-$1"
  }
  uftrace_arm64() {
    qemu-aarch64 -E LD_LIBRARY_PATH="$uft/usr/lib/aarch64-linux-gnu:$uft/lib/aarch64-linux-gnu" \
      "$uft/usr/bin/uftrace" record --force --libmcount-path="$uft/usr/lib/aarch64-linux-gnu/uftrace" "$@" \
      2> >(grep -v 'cannot be preloaded' >&2)
  }
  local variants=(plain uftrace-pg uftrace-P ours ours-generic)
  for v in "${variants[@]}"; do
    rm -rf "$work/a-$v"
    case $v in
      plain) qemu-aarch64 -plugin "$plugin,out=$work/a-$v.insns" "$d/plain" "${args[@]}" >"$work/a-$v.out" ;;
      uftrace-pg) wrapper pg "$v"; uftrace_arm64 -d "$work/a-$v" "$work/wrap-pg" "${args[@]}" >"$work/a-$v.out" ;;
      uftrace-P) wrapper patchable "$v"
                 uftrace_arm64 -P . -d "$work/a-$v" "$work/wrap-patchable" "${args[@]}" >"$work/a-$v.out" ;;
      ours|ours-generic)
            # The launcher runs qemu-aarch64 as $ARIADNE_QEMU says: with the plugin.
            printf '#!/bin/sh\nexec qemu-aarch64 -plugin %s "$@"\n' "$plugin,out=$work/a-$v.insns" >"$work/qemu-plugin"
            chmod +x "$work/qemu-plugin"
            ARIADNE_QEMU="$work/qemu-plugin" \
              "$native_build/ariadne" record $([ "$v" = ours-generic ] && echo --generic-path) \
              -o "$work/a-$v" -- "$d/patchable" "${args[@]}" >"$work/a-$v.out" ;;
    esac
    awk '$1 == "regions" && $2 != 1 {exit 1}' "$work/a-$v.insns" ||
      { echo "record_vs_uftrace.sh: aarch64 $v: the markers did not pair up" >&2; exit 1; }
    [ "$v" = plain ] || bytes "$work/a-$v" "$([ "${v%%-*}" = uftrace ] && echo '*.dat' || echo '*.seg*')" \
      >"$work/a-$v.bytes"
  done
  calls=$(field calls <"$work/a-plain.out")
  local base
  base=$(field region <"$work/a-plain.insns")
  echo "AArch64 under qemu-aarch64 + insn_count: fib($a_fib_n) + loop($a_loop_n) = $calls calls"
  printf '  %-12s %14s %14s %12s %12s %12s\n' variant "insns/call" "+insns/call" "event B/call" "dir B/call" "dir bytes"
  for v in "${variants[@]}"; do
    local c n ev dir
    c=$(field calls <"$work/a-$v.out")
    [ "$c" = "$calls" ] || { echo "record_vs_uftrace.sh: aarch64 $v made $c calls, plain $calls" >&2; exit 1; }
    n=$(field region <"$work/a-$v.insns")
    echo "$n" >"$work/a-$v.n"
    if [ "$v" = plain ]; then ev=- dir=-; else read -r ev dir <"$work/a-$v.bytes"; fi
    awk -v v="$v" -v n="$n" -v base="$base" -v c="$calls" -v ev="$ev" -v dir="$dir" 'BEGIN {
      printf "  %-12s %14.2f %14.2f %12s %12s %12s\n", v, n / c, (n - base) / c,
        ev == "-" ? "-" : sprintf("%.2f", ev / c), dir == "-" ? "-" : sprintf("%.2f", dir / c), dir }'
  done
  awk -v g="$(cat "$work/a-uftrace-pg.n")" -v p="$(cat "$work/a-uftrace-P.n")" -v o="$(cat "$work/a-ours.n")" \
      -v base="$base" -v c="$calls" 'BEGIN {
    u = (g < p ? g : p); m = (g < p ? "-pg" : "-P .")
    printf "AArch64 ratio: uftrace (%s, its faster mode) +%.2f insns/call / ours +%.2f insns/call = %.2fx\n",
      m, (u - base) / c, (o - base) / c, (u - base) / (o - base) }'
}

case $which in
  x86_64|x86-64|x86) run_x86 ;;
  aarch64) run_aarch64 ;;
  both) run_x86; run_aarch64 ;;
  *) sed -n 2p "$0" >&2; exit 2 ;;
esac
