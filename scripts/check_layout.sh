#!/usr/bin/env bash
# Checks that each room includes only what README's "Layout" allows; prints every forbidden
# include as file:line and exits 1 if there is one. Run by ctest (layout.includes).
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
# forbid ROOM PATTERN WHY: no file under ROOM may have an #include line matching PATTERN (ERE).
forbid() {
  local room=$1 pattern=$2 why=$3 hits
  hits=$(grep -rnE --include='*.h' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*$pattern" "$room" || true)
  if [[ -n $hits ]]; then
    echo "$why:"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
}

forbid graph '["<](nodes|cli|tests|torchio)/' "graph/ (the engine) knows no node family, codec, CLI or test"
forbid graph '"(\.\./)+(nodes|cli|tests|torchio)/' "graph/ (the engine) knows no node family, codec, CLI or test"
forbid graph/include '"(\.\./)*src/' "the SDK headers (graph/include) expose no engine internals"
forbid torchio '["<](nodes|cli|tests)/' "torchio/ (the torch.save codec) knows no node, CLI or test"
forbid torchio '"munit/(executor|node|registry|pipeline|plugin|schema|spec|params|value|image|tensor)' \
  "torchio/ uses only the SDK's errors.h and atomic_file.h"
forbid nodes '["<](cli|tests)/' "nodes/ include no CLI or test code"
forbid nodes '"(\.\./)+(graph|cli|tests)/' "nodes/ reach graph/ through its public headers (munit/...) only"
forbid nodes/optim '"(\.\./)+munit/' "nodes/optim/ is generic: it takes models through munit/trainable.h, not the MUNIT family"
forbid plugins '["<](nodes|torchio|cli|tests)/' "plugins/ build against the SDK headers (munit/...) only"
forbid plugins '"(\.\./)+' "plugins/ build against the SDK headers (munit/...) only"
forbid cli '["<]tests/' "cli/ includes no test code"
forbid cli '"(\.\./)*graph/src/' "cli/ uses graph/'s public headers only"
# LibTorch's umbrella header is slow to compile: headers include the ATen pieces they need.
for room in graph torchio nodes cli plugins; do
  hits=$(grep -rnE --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]*<torch/torch\.h>' "$room" || true)
  if [[ -n $hits ]]; then
    echo "headers do not include <torch/torch.h> (keep it in .cpp files and the precompiled header):"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
done

if [[ $status -eq 0 ]]; then echo "layout: every include is allowed"; fi
exit $status
