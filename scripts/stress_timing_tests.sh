#!/usr/bin/env bash
# The concurrency, ordering and Ctrl-C tests, which once measured time, run ROUNDS (default 10)
# times in a row while `stress` keeps both cores busy: they must pass every time. Needs a build
# (scripts/build.sh) and the stress package (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-10}
filter='ExecutorTest.*:TrainingOrder.*:ComputeLanesTest.*:CliTest.Sigint*:Signals/TrainRunSignal.*'
stress --cpu "$(nproc)" --timeout 1800 >/dev/null &
load=$!
trap 'kill $load 2>/dev/null || true' EXIT
sleep 2
for round in $(seq "$rounds"); do
  if ! build/tests/munit_tests --gtest_filter="$filter" --gtest_brief=1 >/tmp/stress_timing_tests.log 2>&1; then
    cat /tmp/stress_timing_tests.log
    echo "stress_timing_tests: round $round of $rounds failed (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    exit 1
  fi
  echo "round $round: $(grep -E '^\[  PASSED  \]' /tmp/stress_timing_tests.log) (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
echo "stress_timing_tests: $rounds of $rounds rounds passed under stress --cpu $(nproc)"
