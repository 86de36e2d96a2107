#!/usr/bin/env bash
# On a GPU host: build (scripts/cuda/build.sh), then the whole test suite, the *_CUDA tests
# included. Logs go to $OUT (or /tmp/munit-cuda-check). One device call can do both, or two calls
# in a row (the machine stays warm for 30 s and keeps build-cuda/) can split them:
#   run(command="bash scripts/cuda/check.sh", carry=[".gpu"], timeout_s=590)
#   run(command="bash scripts/cuda/check.sh build", ...) then run(command="bash scripts/cuda/check.sh test", ...)
# ctest runs CHECK_JOBS (default 4) groups of tests at once (tests/test_groups.cmake).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-/tmp/munit-cuda-check}
stage=${1:-all}
mkdir -p "$out"
cd "$root"
if [ "$stage" != test ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/gpu.txt"
  start=$(date +%s)
  if ! bash scripts/cuda/build.sh >"$out/build.log" 2>&1; then
    tail -40 "$out/build.log"
    echo "check: the build failed after $(($(date +%s) - start)) s (build.log)"
    exit 1
  fi
  echo "check: built in $(($(date +%s) - start)) s"
fi
[ "$stage" = build ] && exit 0
eval "$(bash scripts/cuda/build.sh --env)"
start=$(date +%s)
# The GPU tests once, in one process, keeping what they print (errors, levels, losses); the rest
# through ctest.
build-cuda/tests/munit_tests --gtest_filter='*CUDA*:*/cuda' >"$out/cuda_tests.log" 2>&1
cuda_status=$?
grep -E "^\[  (PASSED|FAILED|SKIPPED) |max abs error|levels from|image reconstruction" "$out/cuda_tests.log" | head -60
ctest --test-dir build-cuda --output-on-failure --no-tests=error -j "${CHECK_JOBS:-4}" -LE gpu \
  >"$out/ctest.log" 2>&1
status=$?
grep -E "tests passed|tests failed|Total Test time|\*\*\*Failed|\*\*\*Skipped|Not Run" "$out/ctest.log" | tail -30
echo "check: GPU tests exit $cuda_status, ctest exit $status, in $(($(date +%s) - start)) s"
[ $cuda_status -eq 0 ] && [ $status -eq 0 ]
