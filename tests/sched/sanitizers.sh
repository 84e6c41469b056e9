#!/bin/bash
# Builds the scheduler tests with ASan, with TSan and with Valgrind stack
# registration (sub-builds of this source tree) and runs them; checks that a
# use-after-free planted in a fiber is reported by ASan with the fiber's own
# frames, and that memcheck is silent on fiber stacks (it reports dozens of
# invalid accesses without -DARIADNE_VALGRIND=ON).
# usage: sanitizers.sh <source-dir> <work-dir>
set -euo pipefail
src=$1 work=$2
jobs=${ARIADNE_SANITIZER_JOBS:-2}
# The 10k-fiber scale test costs a TSan fiber state each; the rest cover the same paths.
filter='-SchedFiber.TenThousandFibersSpawnAndJoin'

configure_build() {  # <sanitizer|valgrind> <targets...>
  local san=$1; shift
  local dir=$work/$san
  local opt=-DARIADNE_SANITIZE="$san"
  [ "$san" = valgrind ] && opt=-DARIADNE_VALGRIND=ON
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "$opt" >"$work/$san.configure.log" 2>&1 ||
    { tail -30 "$work/$san.configure.log"; return 1; }
  cmake --build "$dir" -j "$jobs" --target "$@" >"$work/$san.build.log" 2>&1 ||
    { tail -40 "$work/$san.build.log"; return 1; }
}

mkdir -p "$work"
# sched_test_preempt: the same suite plus the preemption cases, built with
# Ariadne's flags and linked with the runtime, preempted every 100 us.
# Less the two cases that test cooperative order itself (tests/sched/CMakeLists.txt).
preempt_env="ARIADNE_FIBER_TIME_SLICE_US=100"
preempt_filter="$filter:SchedFiber.YieldIsRoundRobinOnOneWorker:SchedFiber.SleepersWakeInDeadlineOrderAndNotEarly"

echo "== address"
configure_build address sched_test sched_uaf sched_test_preempt
ASAN_OPTIONS=detect_leaks=1 "$work/address/tests/sched/sched_test" --gtest_brief=1 --gtest_filter="$filter"
echo "== address, preemption on"
env $preempt_env ASAN_OPTIONS=detect_leaks=1 "$work/address/tests/sched/sched_test_preempt" --gtest_brief=1 \
  --gtest_filter="$preempt_filter"

echo "== planted use-after-free"
set +e
ASAN_OPTIONS=detect_leaks=0 "$work/address/tests/sched/sched_uaf" >"$work/uaf.log" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ]; then cat "$work/uaf.log"; echo "FAIL: ASan did not stop the planted use-after-free"; exit 1; fi
grep -q "heap-use-after-free" "$work/uaf.log" || { cat "$work/uaf.log"; echo "FAIL: no heap-use-after-free report"; exit 1; }
# The access's stack (first block of frames) must name the fiber function.
awk '/^READ of size/{on=1} on&&/^$/{exit} on' "$work/uaf.log" >"$work/uaf.access"
grep -q "planted_use_after_free_fiber" "$work/uaf.access" ||
  { cat "$work/uaf.log"; echo "FAIL: the report does not show the fiber's stack"; exit 1; }
echo "ASan report names the fiber: $(grep -m1 planted_use_after_free_fiber "$work/uaf.access")"

echo "== thread"
configure_build thread sched_test sched_test_preempt
# TSan needs a non-randomised layout on kernels with large mmap_rnd_bits.
TSAN_OPTIONS="halt_on_error=1" setarch "$(uname -m)" -R "$work/thread/tests/sched/sched_test" --gtest_brief=1 --gtest_filter="$filter"
echo "== thread, preemption on"
# Under TSan only level 1 preempts (at instrumented entries; the signal is
# not installed, docs/fibers-scheduler.md "Sanitizers"), so the call-free
# hog, which only the signal can take off, is left out.
env $preempt_env TSAN_OPTIONS="halt_on_error=1" setarch "$(uname -m)" -R \
  "$work/thread/tests/sched/sched_test_preempt" --gtest_brief=1 \
  --gtest_filter="$preempt_filter:SchedPreempt.CallFreeHogDoesNotStarveTheOthers"

if command -v valgrind >/dev/null; then
  echo "== valgrind"
  configure_build valgrind sched_test
  valgrind -q --error-exitcode=99 "$work/valgrind/tests/sched/sched_test" --gtest_brief=1 \
    --gtest_filter='SchedFiber.SpawnJoin*:SchedFiber.JoinRethrows*:SchedSync.Channel*:SchedSync.Mutex*:SchedStackPool.*'
else
  echo "== valgrind: not installed, skipped"
fi
echo "sanitizers: OK"
