#!/usr/bin/env bash
# insns_per_switch.sh BUILD_DIR [N]: guest instructions per context-switch
# round trip (A -> B -> A) for Ariadne, Boost.Context and swapcontext, counted
# by the insn_count QEMU plugin (tools/qemu-plugin) on the build's own
# architecture: qemu-aarch64 for the AArch64 presets, qemu-x86_64 for native.
#
# Method: bench/switch_insns brackets its loop with region markers; run with N
# and 2N round trips, per round trip = (region(2N) - region(N)) / N. The
# difference removes everything that does not scale with N (set-up, markers).
# The call-baseline row is the loop itself (an empty out-of-line call); the
# "switch only" column subtracts it. swapcontext's count omits the kernel's
# work in its rt_sigprocmask system calls: QEMU counts guest instructions.
# fiber-yield is one round of two yields (main -> peer -> main) on a
# one-worker scheduler; fiber-spawn-join spawns and joins an empty fiber
# (from the stack pool: no system call in the steady state).
set -euo pipefail
build=${1:?usage: insns_per_switch.sh BUILD_DIR [N]}
n=${2:-10000}
harness=$build/bench/switch_insns

source "$(dirname "$0")/insns_common.sh"
insns_setup "$build" "$harness"

region() { # MODE N -> instructions between the markers
  # fiber-* modes run on a worker thread: count atomically across vCPUs.
  case $1 in fiber-*) insns_region ,atomic=on "$@" ;; *) insns_region '' "$@" ;; esac
}

declare -A per
modes=(ariadne boost-fcontext boost-fiber swapcontext call-baseline fiber-yield fiber-spawn-join)
for m in "${modes[@]}"; do
  a=$(region "$m" "$n")
  b=$(region "$m" $((2 * n)))
  per[$m]=$(awk -v d=$((b - a)) -v n="$n" 'BEGIN {printf "%.2f", d / n}')
done

echo "guest instructions per round trip (A->B->A), $arch, $(basename "$build"), N=$n and 2N under $(basename "$qemu") + insn_count"
printf '  %-16s %12s %14s\n' mode "per round trip" "switch only"
for m in "${modes[@]}"; do
  only=$(awk -v a="${per[$m]}" -v b="${per[call-baseline]}" 'BEGIN {printf "%.2f", a - b}')
  case $m in fiber-*) only=- ;; esac  # per yield round / per spawn+join, not a switch
  printf '  %-16s %12s %14s\n' "$m" "${per[$m]}" "$only"
done
awk -v o="${per[ariadne]}" -v f="${per[boost-fcontext]}" -v s="${per[swapcontext]}" -v c="${per[call-baseline]}" 'BEGIN {
  printf "ratio ariadne / boost-fcontext = %.3f (switch only: %.3f)\n", o / f, (o - c) / (f - c)
  printf "ratio swapcontext / ariadne = %.2f (user-mode instructions only)\n", s / o }'
