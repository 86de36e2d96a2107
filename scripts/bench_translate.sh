#!/usr/bin/env bash
# Inference speed: munit's translate graph against the official test-time computation, same machine,
# same run. Makes 32 256x256 JPEG inputs, runs pipelines/infer/bench/edges2shoes_256.toml at batch 1
# and 8 (8 random styles per input), then the official infer_bench.py (e2e: PIL decode, encode once,
# decode 8 styles, save JPEGs; and compute only) when its code is at $MUNIT_REF.
#
#   bash scripts/bench_translate.sh [iterations] [extra munit --set options...]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-8}
shift || true
munit=build/munit
bash scripts/bench_inputs.sh "$munit"
for batch in 1 8; do
  echo "== munit, batch $batch, 8 styles per input"
  $munit --log-level warn bench pipelines/infer/bench/edges2shoes_256.toml --iterations "$iterations" --warmup 1 \
    --set nodes.images.batch=$batch "$@"
done
official=$(cd .. && pwd)/shared/bench/official/infer_bench.py
if [ -f "$official" ] && [ -d "${MUNIT_REF:-/tmp/munit-ref}" ]; then
  for mode in e2e compute; do
    echo "== official test-time computation ($mode), batch 1, 8 styles"
    MUNIT_REF=${MUNIT_REF:-/tmp/munit-ref} /usr/bin/python3 "$official" --case e2s256 --mode $mode --threads 2 \
      --inputs "$iterations" | tail -1
  done
fi
