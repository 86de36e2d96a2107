#!/usr/bin/env bash
# On a GPU host: builds munit into build-cuda/ against pip's CUDA LibTorch (torch's own CMake
# package) and the libraries in .gpu/ that scripts/cuda/make_bundle.sh packed on a Debian machine.
# The CMake is the same as on the CPU machines; only the prefixes differ. Prints the environment a
# shell needs to run what it built:  eval "$(scripts/cuda/build.sh --env)".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
gpu=$root/.gpu
arch=x86_64-linux-gnu
libs="$gpu/prefix/lib/$arch:$gpu/opencv/lib"
if [ "${1:-}" = "--env" ]; then
  echo "export LD_LIBRARY_PATH=$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  exit 0
fi
if [ ! -d "$gpu/prefix" ] || [ ! -d "$gpu/opencv" ]; then
  echo "build: no .gpu/prefix or .gpu/opencv: run scripts/cuda/make_bundle.sh on a Debian machine and carry .gpu" >&2
  exit 2
fi
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# TORCH_CUDA_ARCH_LIST: torch's CMake asks for it (munit compiles no CUDA code itself).
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
cmake -S "$root" -B "$root/build-cuda" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$gpu/prefix;$gpu/opencv" -DCMAKE_LIBRARY_ARCHITECTURE=$arch \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES=90 -Wno-dev "${@}"
cmake --build "$root/build-cuda"
