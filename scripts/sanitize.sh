#!/usr/bin/env bash
# The whole test suite (the ctest groups scripts/test.sh runs) under AddressSanitizer (with
# LeakSanitizer) and UndefinedBehaviorSanitizer: configures build-asan/ with gcc and
# -DMUNIT_SANITIZE=address,undefined, builds, runs ctest. Any report fails the run.
# Usage: scripts/sanitize.sh [ctest arguments, e.g. -R parity]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/install-deps.sh
start=$SECONDS
# -O1 -g1: line tables for the reports' stacks, a faster build than -O2 -g (the suite's time is
# mostly LibTorch's uninstrumented kernels either way).
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DMUNIT_SANITIZE=address,undefined
cmake --build build-asan
built=$SECONDS

# Every munit executable links the sanitizer runtimes itself: no LD_PRELOAD, so the Python
# subprocesses some tests start (python3 -c 'import torch') run as usual; they ignore these options.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_init_order=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1:suppressions=$root/scripts/sanitize/ubsan.supp
# LibTorch, oneTBB and OpenCV are not instrumented: the suppressions name only their frames.
export LSAN_OPTIONS=suppressions=$root/scripts/sanitize/lsan.supp:print_suppressions=0

status=0
ctest --test-dir build-asan -j2 --output-on-failure --no-tests=error "$@" || status=$?
echo "sanitize: build $((built - start)) s, tests $((SECONDS - built)) s, exit $status"
exit $status
