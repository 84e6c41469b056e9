#!/bin/bash
# Installs this build to a temporary prefix, then builds and runs an outside
# project against it with find_package(ariadne) / ariadne::fiber.
# usage: package_test.sh <build-dir> <consumer-src> <work-dir> [toolchain-file]
set -euo pipefail
build=$1 consumer=$2 work=$3 toolchain=${4:-}
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
test -f "$work/prefix/lib/cmake/ariadne/ariadneConfig.cmake"
test -f "$work/prefix/include/ariadne/fiber.hpp"
args=(-S "$consumer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix")
[ -n "$toolchain" ] && args+=(-DCMAKE_TOOLCHAIN_FILE="$toolchain")
cmake "${args[@]}" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
out=$("$work/build/consumer")   # an AArch64 consumer runs through binfmt/qemu
echo "$out"
[ "$out" = "checksum=204" ]
