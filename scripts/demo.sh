#!/usr/bin/env bash
# Quick start (1): install, build, and run the demo: MUNIT learns Fashion-MNIST edge maps ↔ shoes
# on the CPU (pipelines/demo/fashion_mnist.toml), then its sample sheets are in
# outputs/fashion_mnist/images/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
rm -rf outputs/fashion_mnist
start=$(date +%s)
build/munit run pipelines/demo/fashion_mnist.toml
echo "demo: trained in $(( $(date +%s) - start )) s; sample sheets:"
ls outputs/fashion_mnist/images/
