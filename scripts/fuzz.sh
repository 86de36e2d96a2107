#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) into build-fuzz/ with clang-15, AddressSanitizer and
# UndefinedBehaviorSanitizer, then runs each for a bounded time, both at once, seeded with the
# shipped pipelines and the test checkpoints. Fails on any crash, sanitizer report, leak, timeout
# or out-of-memory; the input that caused it is left in build-fuzz/artifacts/.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
CXX_FUZZ=${CXX_FUZZ:-clang++-15}

bash scripts/install-deps.sh
missing=()
for p in clang-15 libfuzzer-15-dev llvm-15; do  # llvm-15: llvm-symbolizer-15 for the reports
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

start=$SECONDS
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
  -DMUNIT_FUZZ=ON -DMUNIT_SANITIZE=address,undefined -DMUNIT_BUILD_TESTS=OFF
cmake --build build-fuzz --target munit_fuzzers
echo "fuzz: built in $((SECONDS - start)) s"

# Seeds, copied fresh each run (libFuzzer reads directories); what the fuzzers find on top of them
# grows in build-fuzz/corpus/ across runs.
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds/spec_fuzzer" "$seeds/torch_file_fuzzer" build-fuzz/corpus build-fuzz/artifacts
find pipelines -name '*.toml' | while read -r f; do cp "$f" "$seeds/spec_fuzzer/${f//\//_}"; done
cp fuzz/seeds/spec/* "$seeds/spec_fuzzer/"
cp tests/data/*.pt tests/fixtures/official-small/optimizer.pt fuzz/seeds/torch_file/* "$seeds/torch_file_fuzzer/"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-15  # function names, for the reports and lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$root/scripts/sanitize/ubsan.supp
export LSAN_OPTIONS=suppressions=$root/scripts/sanitize/lsan.supp:print_suppressions=0
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

# spec_fuzzer resolves `include` against its working folder; the files the shipped pipelines
# include lie where their relative paths find them from there, so the seeds validate in full.
cwd=$work/spec_fuzzer/p/q
mkdir -p "$cwd" "$work/spec_fuzzer/p/train" "$work/torch_file_fuzzer"
cp pipelines/train/munit.toml "$work/spec_fuzzer/p/"                # ../munit.toml (train/official/)
cp pipelines/train/munit_fused.toml "$work/spec_fuzzer/p/train/"    # ../train/munit_fused.toml (demo/)
cp pipelines/infer/random_styles.toml "$cwd/"                       # random_styles.toml (infer/)
run() {
  local fuzzer=$1 dir=$2 asan=$3; shift 3
  mkdir -p "build-fuzz/corpus/$fuzzer"
  (cd "$dir" && ASAN_OPTIONS=$asan TMPDIR="$work/torch_file_fuzzer" "$root/build-fuzz/fuzz/$fuzzer" \
     -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$root/build-fuzz/artifacts/$fuzzer-" "$@" \
     "$root/build-fuzz/corpus/$fuzzer" "$root/$seeds/$fuzzer") >"build-fuzz/$fuzzer.log" 2>&1
}
run spec_fuzzer "$cwd" "$ASAN_OPTIONS" -dict="$root/fuzz/spec.dict" -max_len=16384 & spec=$!
# Whole allocation stacks through LibTorch (no frame pointers there), so that lsan.supp can name
# its frames; slow for every malloc, so only here.
run torch_file_fuzzer "$work/torch_file_fuzzer" "$ASAN_OPTIONS:fast_unwind_on_malloc=0" -max_len=65536 & torch=$!
status=0
for job in "spec_fuzzer:$spec" "torch_file_fuzzer:$torch"; do
  fuzzer=${job%%:*}
  if wait "${job##*:}"; then result=ok; else result=FAILED; status=1; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$fuzzer.log" | tail -1)
  echo "fuzz: $fuzzer: $result, ${execs:-?} executions in ${seconds} s (log: build-fuzz/$fuzzer.log)"
  if [ "$result" = FAILED ]; then tail -60 "build-fuzz/$fuzzer.log"; fi
done
exit $status
