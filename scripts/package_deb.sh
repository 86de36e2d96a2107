#!/usr/bin/env bash
# Builds munit (if needed) and packages it as a Debian package: OUT_DIR/munit_VERSION_ARCH.deb.
# Install it with `sudo apt install ./build/munit_*.deb`.
# Usage: scripts/package_deb.sh [BUILD_DIR (build)] [OUT_DIR (BUILD_DIR)]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build}
cmake --build "$build"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out"
