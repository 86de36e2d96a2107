#!/usr/bin/env bash
# On a GPU host, after scripts/cuda/check.sh built build-cuda/: the speed figures of the CUDA issue,
# each beside the official code on the same GPU (scripts/cuda/official_gpu_bench.py).
#   training  pipelines/train/munit.toml and munit_fused.toml, edges2shoes architecture, 256x256,
#             batch 1, fp32 and bf16: s/iteration and the share of each node
#   inference pipelines/infer/bench/edges2shoes_256.toml, 8 styles per input, batch 1 and 32,
#             fp32 and bf16: images/s and the share of each node
# with the GPU's busy fraction (nvidia-smi's utilization, sampled every 100 ms) for each run. The
# speed comes from a free-running bench; the node shares from a short second run with
# --sync-nodes (each node waits for its kernels, so its time is GPU time).
#   run(command="bash scripts/cuda/bench.sh", carry=[".gpu", "build-cuda"], timeout_s=590)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(bash scripts/cuda/build.sh --env)"
munit=build-cuda/munit
iterations=${BENCH_ITERATIONS:-30}

busy() {  # busy LABEL COMMAND...: runs the command, then prints the GPU's mean utilization meanwhile
  local label=$1 log
  shift
  log=$(mktemp)
  nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 100 >"$log" 2>/dev/null &
  local sampler=$!
  "$@"
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null
  awk -v l="$label" '{s += $1; n++} END {if (n) printf "  GPU busy %.0f%% (%d samples) during %s\n", s / n, n, l}' "$log"
  rm -f "$log"
}

echo "== the official code on this GPU"
busy "official" python3 scripts/cuda/official_gpu_bench.py --ref .gpu/munit-ref

for pipeline in munit munit_fused; do
  for precision in fp32 bf16; do
    echo "== train $pipeline.toml, 256x256, batch 1, $precision"
    args=(bench "pipelines/train/$pipeline.toml" --warmup 5 --set pipeline.frames=0 --set pipeline.device=cuda
          --set pipeline.precision=$precision --set nodes.images_a.size=256 --set nodes.images_b.size=256
          --set nodes.images_a.batch=1 --set nodes.images_b.batch=1)
    busy "$pipeline $precision" $munit --log-level warn "${args[@]}" --iterations "$iterations" | grep -v "^    "
    $munit --log-level warn "${args[@]}" --iterations 10 --sync-nodes | sed -n '/share of node/,$p'
  done
done

inputs=outputs/bench/inputs256
if [ ! -d "$inputs" ]; then
  printf '[nodes.images]\nkind = "data.pattern"\ncount = 64\nsize = 256\nshapes = 6\n[nodes.write]\nkind = "io.image_writer"\nin = "images.out"\ndir = "%s"\nformat = "jpg"\n' \
    "$root/$inputs" >/tmp/munit_bench_inputs.toml
  $munit --log-level warn run /tmp/munit_bench_inputs.toml
fi
for batch in 1 32; do
  for precision in fp32 bf16; do
    echo "== infer, batch $batch, 8 styles per input, $precision"
    args=(bench pipelines/infer/bench/edges2shoes_256.toml --warmup 3 --set pipeline.device=cuda
          --set pipeline.precision=$precision --set pipeline.channels_last=true --set nodes.images.batch=$batch
          --set nodes.codes.max_batch=0 --set nodes.translated.max_batch=0)
    busy "infer $batch $precision" $munit --log-level warn "${args[@]}" --iterations "$iterations" | grep -v "^    "
    $munit --log-level warn "${args[@]}" --iterations 10 --sync-nodes | sed -n '/share of node/,$p'
  done
done
