#!/usr/bin/env bash
# Issue 18's experiment: are random styles from a prior fitted to real images' styles more realistic
# than N(0, I) draws, and how much diversity do they keep? On coloured Fashion-MNIST shoes (a real b
# image is one colour: scripts/styles_realism/make_data.py), it trains the small MUNIT of
# pipelines/demo/coloured_shoes.toml (about 10 minutes on 2 cores), encodes the real training b
# images into a style bank, fits one Gaussian and a 4-component mixture, translates the 64 test
# inputs with 8 random styles each for every prior and psi in {1, 0.7, 0.5}, then measures the
# outputs against the held-out real b images (scripts/styles_realism/measure.py) and draws
# docs/styles.png. Steps whose results exist are skipped; FORCE=1 redoes them all.
#
#   bash scripts/styles_realism.sh
set -euo pipefail
cd "$(dirname "$0")/.."
munit=${MUNIT:-build/munit}
out=outputs/coloured_shoes
python=/usr/bin/python3  # Debian's, with python3-torch and python3-pil
[ "${FORCE:-0}" = 1 ] && rm -rf "$out"
if ! $python -c 'import PIL, torch' 2>/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends python3-pil python3-torch
fi

[ -d "$out/data/testB" ] || $python scripts/styles_realism/make_data.py "$out/data"
gen=$(ls "$out"/checkpoints/gen_*.pt 2>/dev/null | tail -1 || true)
if [ -z "$gen" ]; then
  echo "== training (pipelines/demo/coloured_shoes.toml)"
  time $munit --log-level warn run pipelines/demo/coloured_shoes.toml
  gen=$(ls "$out"/checkpoints/gen_*.pt | tail -1)
fi
config=configs/coloured_shoes.yaml
model="--checkpoint $gen --config $config"
styles=$out/styles
mkdir -p "$styles"

[ -f "$styles/bank.pt" ] || $munit --log-level warn styles encode $model --domain b --input "$out/data/trainB" \
  --output "$styles/bank.pt"
[ -f "$styles/gaussian.pt" ] || $munit styles fit "$styles/bank.pt" --output "$styles/gaussian.pt"
[ -f "$styles/mixture.pt" ] || $munit styles fit "$styles/bank.pt" --output "$styles/mixture.pt" --components 4 --seed 1

translate() {  # translate NAME FLAGS...: testA, 8 random styles per input, into $out/eval/NAME
  local name=$1
  shift
  [ -d "$out/eval/$name" ] || $munit --log-level warn translate $model --input "$out/data/testA" \
    --output "$out/eval/$name" --styles 8 --seed 1 "$@"
}
for psi in 1 0.7 0.5; do
  translate "normal_psi$psi" --truncation "$psi"
  translate "fitted_psi$psi" --prior "$styles/gaussian.pt" --truncation "$psi"
  translate "mixture_psi$psi" --prior "$styles/mixture.pt" --truncation "$psi"
done
# The picture's other rows: 8 real b images as references, and a slerp between two seeds.
mkdir -p "$out/references"
for i in 00000 00001 00002 00003 00004 00005 00006 00007; do cp "$out/data/testB/$i.png" "$out/references/"; done
[ -d "$out/eval/reference" ] || $munit --log-level warn translate $model --input "$out/data/testA" \
  --output "$out/eval/reference" --style "$out/references"
[ -d "$out/eval/slerp" ] || $munit --log-level warn translate $model --input "$out/data/testA" \
  --output "$out/eval/slerp" --interpolate 3,4 --steps 8 --slerp

$python scripts/styles_realism/measure.py "$out" docs/styles.png
