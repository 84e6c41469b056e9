#!/usr/bin/env bash
# fiber_peers_insns.sh BUILD_DIR [N]: guest instructions per operation of
# Ariadne's fiber scheduler and of Boost.Fiber (bench/fiber_peers.hpp: spawn
# + join, a yield round, a mutex + condition variable ping-pong round, one
# channel item), counted by the insn_count QEMU plugin on the build's own
# architecture, with ratios ariadne / boost.
#
# Method as in insns_per_switch.sh: `fiber_peer_bench insns MODE N` brackets
# N operations with region markers; per operation = (region(2N) -
# region(N)) / N. Counted with atomic=on (Ariadne's operations run on a
# worker thread). System calls' kernel work is not counted (Boost's guarded
# spawn: mmap + mprotect + munmap each).
set -euo pipefail
build=${1:?usage: fiber_peers_insns.sh BUILD_DIR [N]}
n=${2:-2000}
harness=$build/bench/fiber_peer_bench

source "$(dirname "$0")/insns_common.sh"
insns_setup "$build" "$harness"

region() { insns_region ,atomic=on insns "$@"; }  # MODE N -> instructions between the markers

declare -A per
modes=(spawn_join/ariadne spawn_join/boost spawn_join/boost-guarded yield/ariadne yield/boost
  pingpong/ariadne pingpong/boost channel/ariadne channel/boost)
for m in "${modes[@]}"; do
  a=$(region "$m" "$n")
  b=$(region "$m" $((2 * n)))
  per[$m]=$(awk -v d=$((b - a)) -v n="$n" 'BEGIN {printf "%.1f", d / n}')
done

echo "guest instructions per operation, $arch, $(basename "$build"), N=$n and 2N under $(basename "$qemu") + insn_count"
for m in "${modes[@]}"; do printf '  %-26s %10s\n' "$m" "${per[$m]}"; done
for op in spawn_join yield pingpong channel; do
  awk -v a="${per[$op/ariadne]}" -v b="${per[$op/boost]}" -v op="$op" \
    'BEGIN {printf "ratio %s ariadne / boost = %.3f\n", op, a / b}'
done
