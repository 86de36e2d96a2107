#!/usr/bin/env bash
# Quick start (2): install, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# Two groups of cases at a time (tests/test_groups.cmake): the machines have two cores, and no test
# measures time. A group passes with its skipped cases; they are listed after the summary.
status=0
ctest --test-dir build -j2 --output-on-failure --no-tests=error || status=$?
skipped=$(sed -n 's/^\[  SKIPPED \] \([^ ,]*\).* ([0-9]* ms)$/  \1/p' build/Testing/Temporary/LastTest.log | sort -u)
[ -z "$skipped" ] || printf 'Skipped cases (passed groups, not run here):\n%s\n' "$skipped"
exit $status
