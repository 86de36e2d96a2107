#!/usr/bin/env bash
# Quick start (2): install, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
# Serially: the engine tests measure timing, and the machines have two cores.
ctest --test-dir build --output-on-failure --no-tests=error
