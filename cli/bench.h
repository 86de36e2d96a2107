#pragma once
// `munit bench FILE --iterations N`: runs a pipeline for a warm-up and then N frames, and reports
// the median seconds per frame (iteration), images per second, peak memory and each node's share
// of the busy time after the warm-up.
#include <cstdint>
#include <string>

#include "munit/pipeline.h"

namespace munit::cli {

struct BenchOptions {
  std::int64_t iterations = 20;
  std::int64_t warmup = 3;
  bool sync_nodes = false;  // on a GPU: node shares in GPU time (each node waits for its kernels)
  int ops = 0;              // also print the top `ops` LibTorch operators by self time (op_profile.h)
};

// Prints the report on stdout.
void run_bench(const Pipeline& pipeline, const BenchOptions& options);

}  // namespace munit::cli
