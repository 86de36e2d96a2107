#!/usr/bin/env bash
# CPU speed against the official MUNIT code, side by side in one run on this machine: training
# (the small config and the edges2shoes architecture at 128x128) and translation (256x256, 8 styles
# per input, JPEG in and out), each as official, munit fp32 and munit bf16, for munit.toml and
# munit_fused.toml. Prints the ratio table (official time / munit time: above 1 is faster) and
# each run's peak memory. The official harness is ../shared/bench/official beside the repository;
# the official sources come from $MUNIT_REF (default /tmp/munit-ref).
#
#   bash scripts/bench_cpu.sh [train|translate|all] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
rounds=${2:-1}
munit=${MUNIT:-build/munit}
official=${OFFICIAL_BENCH:-$(cd .. && pwd)/shared/bench/official}
export MUNIT_REF=${MUNIT_REF:-/tmp/munit-ref}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
out=${BENCH_OUT:-outputs/bench_cpu}
mkdir -p "$out"
[ -x "$munit" ] || { echo "bench_cpu: $munit not built (bash scripts/build.sh)" >&2; exit 2; }
[ -f "$official/train_bench.py" ] || { echo "bench_cpu: the official harness is not at $official" >&2; exit 2; }
[ -f "$MUNIT_REF/trainer.py" ] || { echo "bench_cpu: the official MUNIT sources are not at $MUNIT_REF (set MUNIT_REF)" >&2; exit 2; }
# bf16 only where the CPU computes it natively (AVX-512 BF16 or AMX): elsewhere oneDNN has no bf16
# kernels and LibTorch's fallback is an order of magnitude slower than fp32.
precisions="fp32 bf16"
grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo || precisions="fp32"
echo "bench_cpu: $(lscpu | sed -n 's/^Model name: *//p'), $threads threads, $rounds round(s), precisions: $precisions"

results="$out/results.tsv"
: > "$results"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$results"; }  # case who precision value rss
json_field() { "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
peak_of() { sed -n 's/.*peak memory \([0-9]*\) MiB.*/\1/p' "$1"; }  # a munit bench log's peak RSS

# official_train CASE ITERS
official_train() {
  local json="$out/official_$1.json"
  "$python" "$official/train_bench.py" --case "$1" --threads "$threads" --iters "$2" --json "$json" > "$out/official_$1.log"
  record "$1" official fp32 "$(json_field "$json" s_per_iter_median)" "$(json_field "$json" peak_rss_mib)"
}

# munit_train CASE PIPELINE PRECISION ITERS SETS...
munit_train() {
  local case=$1 pipeline=$2 precision=$3 iters=$4
  shift 4
  local log="$out/munit_${case}_$(basename "$pipeline" .toml)_$precision.log"
  "$munit" --log-level warn bench "$pipeline" --iterations "$iters" --warmup 3 --set pipeline.frames=0 \
    --set pipeline.precision="$precision" --set pipeline.threads="$threads" "$@" > "$log"
  record "$case" "$(basename "$pipeline" .toml)" "$precision" "$(sed -n 's/.*median \([0-9.]*\) s\/iteration.*/\1/p' "$log")" \
    "$(peak_of "$log")"
}

small_sets=()
for side in a b; do
  small_sets+=(--set "models.gen_$side.config=../../configs/bench_small.yaml" --set "models.dis_$side.config=../../configs/bench_small.yaml"
               --set "nodes.images_$side.size=32" --set "nodes.images_$side.batch=8" --set "nodes.cyc_x_$side.weight=10.0")
done
e2s_sets=(--set nodes.images_a.size=128 --set nodes.images_b.size=128)

train() {
  for _ in $(seq "$rounds"); do
    official_train small 20
    official_train e2s128 10
    for pipeline in pipelines/train/munit.toml pipelines/train/munit_fused.toml; do
      for precision in $precisions; do
        munit_train small "$pipeline" "$precision" 20 "${small_sets[@]}"
        munit_train e2s128 "$pipeline" "$precision" 10 "${e2s_sets[@]}"
      done
    done
  done
}

translate() {
  local n=8
  bash scripts/bench_inputs.sh "$munit"
  for _ in $(seq "$rounds"); do
    local json="$out/official_translate.json"
    "$python" "$official/infer_bench.py" --case e2s256 --mode e2e --threads "$threads" --inputs "$n" --json "$json" \
      > "$out/official_translate.log"
    record translate official fp32 "$(json_field "$json" s_per_round_median)" "$(json_field "$json" peak_rss_mib)"
    for precision in $precisions; do
      local log="$out/munit_translate_$precision.log"
      "$munit" --log-level warn bench pipelines/infer/bench/edges2shoes_256.toml --iterations "$n" --warmup 1 \
        --set pipeline.precision="$precision" --set pipeline.threads="$threads" > "$log"
      record translate munit "$precision" "$(sed -n 's/.*mean \([0-9.]*\) (the measured.*/\1/p' "$log")" "$(peak_of "$log")"
    done
  done
}

case "$what" in
  train) train ;;
  translate) translate ;;
  all) train; translate ;;
  *) echo "usage: bash scripts/bench_cpu.sh [train|translate|all] [rounds]" >&2; exit 2 ;;
esac

# The table: medians over rounds; ratio = official s / munit s.
"$python" - "$results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
rss = collections.defaultdict(list)
for line in open(sys.argv[1]):
    case, who, precision, value, mem = line.rstrip("\n").split("\t")
    if value:
        rows[(case, who, precision)].append(float(value))
    if mem:
        rss[(case, who, precision)].append(float(mem))
unit = {"small": "s/iter", "e2s128": "s/iter", "translate": "s/input"}
print(f"{'case':<10} {'run':<22} {'time':>9} {'vs official':>12} {'peak RSS':>10} {'vs official':>12}")
for case in ("small", "e2s128", "translate"):
    base = rows.get((case, "official", "fp32"))
    if not base:
        continue
    b = statistics.median(base)
    brss = statistics.median(rss[(case, "official", "fp32")])
    for (c, who, precision), values in sorted(rows.items(), key=lambda kv: (kv[0][1] != "official", kv[0][1], kv[0][2] != "fp32")):
        if c != case:
            continue
        t = statistics.median(values)
        m = statistics.median(rss[(c, who, precision)]) if rss[(c, who, precision)] else float("nan")
        print(f"{case:<10} {who + ' ' + precision:<22} {t:>7.3f} {unit[case][:1]} {b / t:>11.2f}x {m:>6.0f} MiB {m / brss:>11.2f}x")
PY
