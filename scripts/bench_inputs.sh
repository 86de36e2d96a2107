#!/usr/bin/env bash
# The translation benchmarks' inputs: 32 generated 256x256 JPEG images in outputs/bench/inputs256
# (what pipelines/infer/bench/edges2shoes_256.toml reads), made once.
#
#   bash scripts/bench_inputs.sh [munit binary]
set -euo pipefail
cd "$(dirname "$0")/.."
munit=${1:-build/munit}
inputs=outputs/bench/inputs256
[ -d "$inputs" ] && exit 0
pipeline=$(mktemp --suffix=.toml)
trap 'rm -f "$pipeline"' EXIT
cat > "$pipeline" <<TOML
[nodes.images]
kind = "data.pattern"
count = 32
size = 256
shapes = 6
[nodes.write]
kind = "io.image_writer"
in = "images.out"
dir = "$PWD/$inputs"
format = "jpg"
TOML
"$munit" --log-level warn run "$pipeline"
