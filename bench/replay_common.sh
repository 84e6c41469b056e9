# shellcheck shell=bash disable=SC2154 # $b, $runs, $cpu... are the sourcing script's
# Sourced by replay_overhead.sh and replay_liveness.sh: a program timed
# natively, under `ariadne record --replayable` and under `ariadne replay`,
# pinned to one CPU, the modes interleaved in every run so that the machine's
# load hits them alike (docs/performance.md).
#
# The sourcing script sets $b (the build directory), $runs, $cpu and defines
# check_run ARCH MODE TAG (its own checks of one run that exited with 0:
# $work_dir/TAG.MODE.out and .err), run_x86 and run_aarch64. Around a call it
# may set $native_cmd (an array: what runs PROG natively, e.g. qemu-aarch64),
# $qemu_env (an array: more environment for ariadne, e.g. ARIADNE_QEMU=...),
# $ticks (record's --ticks; empty: the default) and $modes (what measure runs;
# empty: native record replay).
script=$(basename "$0")
ariadne=$b/ariadne
work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

need() { [ -e "$1" ] || { echo "$script: no $1 (build the targets: $2)" >&2; exit 1; }; }
need "$ariadne" ariadne

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
med() { cat "$work_dir/$1.$2.med"; }
cpu_med() { cat "$work_dir/$1.$2.cpumed"; }

# run_mode ARCH MODE TAG PROG ARGS...: one run of MODE (native, record, replay)
# pinned to $cpu; keeps its stdout and stderr in $work_dir/TAG.MODE.out and
# .err and appends its wall time in ns to TAG.MODE.ns and the CPU time of
# the whole command (user + system, its children included) in s to .cpu.
run_mode() {
  local arch=$1 mode=$2 tag=$3 t0 t1 rc=0 TIMEFORMAT='%3U %3S'
  shift 3
  local out=$work_dir/$tag.$mode.out err=$work_dir/$tag.$mode.err dir=$work_dir/$tag.rec
  t0=$(date +%s%N)
  { time case $mode in
      native) taskset -c "$cpu" ${native_cmd[@]+"${native_cmd[@]}"} "$@" >"$out" 2>"$err" || rc=$? ;;
      record) rm -rf "$dir"
              taskset -c "$cpu" env ${qemu_env[@]+"${qemu_env[@]}"} "$ariadne" record --replayable \
                ${ticks:+--ticks "$ticks"} -o "$dir" -- "$@" >"$out" 2>"$err" || rc=$? ;;
      replay) taskset -c "$cpu" env ${qemu_env[@]+"${qemu_env[@]}"} "$ariadne" replay "$dir" >"$out" 2>"$err" || rc=$? ;;
    esac; } 2>"$work_dir/$tag.$mode.time"
  t1=$(date +%s%N)
  if [ "$rc" != 0 ]; then
    echo "$script: $arch $tag $mode exited with $rc:" >&2
    tail -n 5 "$err" >&2
    exit 1
  fi
  check_run "$arch" "$mode" "$tag"
  echo $((t1 - t0)) >>"$work_dir/$tag.$mode.ns"
  awk '{print $1 + $2}' "$work_dir/$tag.$mode.time" >>"$work_dir/$tag.$mode.cpu"
}

# measure ARCH TAG PROG ARGS...: $runs interleaved runs of the modes; the
# median wall time of each in TAG.MODE.med (ns), of CPU time in .cpumed (s).
measure() {
  local arch=$1 tag=$2 r m
  shift 2
  rm -f "$work_dir/$tag".*.ns "$work_dir/$tag".*.cpu
  for ((r = 0; r < runs; r++)); do
    for m in ${modes:-native record replay}; do run_mode "$arch" "$m" "$tag" "$@"; done
  done
  for m in ${modes:-native record replay}; do
    median <"$work_dir/$tag.$m.ns" >"$work_dir/$tag.$m.med"
    median <"$work_dir/$tag.$m.cpu" >"$work_dir/$tag.$m.cpumed"
  done
}

# build_opt C|CXX: the build type's optimisation flags, as CMake gives them to
# the build's own programs (for the AArch64 copies compiled here).
build_opt() {
  local type
  type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$b/CMakeCache.txt")
  sed -n "s/^CMAKE_$1_FLAGS_${type^^}:[A-Z]*=//p" "$b/CMakeCache.txt"
}

# run_arches x86_64|aarch64|both: the script's runs, between lines that say
# how loaded the machine was.
run_arches() {
  echo "$script on $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
  case $1 in
    x86_64|x86-64|x86) run_x86 ;;
    aarch64) run_aarch64 ;;
    both) run_x86; run_aarch64 ;;
    *) sed -n 2p "$0" >&2; exit 2 ;;
  esac
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
