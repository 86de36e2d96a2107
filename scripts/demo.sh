#!/usr/bin/env bash
# Quick start (1): install, build, and run the demo pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/munit run pipelines/demo.toml
echo "demo: images in outputs/demo/; the graph: build/munit graph pipelines/demo.toml --format dot | dot -Tpng -o demo.png"
