#!/usr/bin/env bash
# Installs every Debian package munit needs. Idempotent, non-interactive; run as root
# (or with sudo available) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev            # LibTorch 1.13 (CPU): networks, tensors
  libdnnl-dev             # oneDNN, which LibTorch links: convolutions with weights kept laid out
  libtbb-dev              # oneTBB flow graph: the executor
  libopencv-dev           # image decoding, encoding, resizing
  libboost-dev libboost-filesystem-dev  # Boost.DLL plugin loader
  libtomlplusplus-dev     # pipeline files, with source positions for errors
  libspdlog-dev           # logging
  libcli11-dev            # the munit command's arguments
  nlohmann-json3-dev      # `munit nodes --json`
  libyaml-cpp-dev         # official MUNIT YAML configs
  libgtest-dev libgmock-dev  # tests
  graphviz                # renders `munit graph --format dot` (tested)
  python3-torch           # tests: Python torch.load reads the checkpoints munit writes
  zlib1g-dev              # gzip-compressed IDX files
  dataset-fashion-mnist   # the demo's data (and a data.idx test): Fashion-MNIST IDX files
  stress                  # scripts/stress_timing_tests.sh: loads the cores while tests run
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
