#pragma once
// Tests that need a GPU are named *_CUDA (or instantiated for "cuda") and start with
// MUNIT_REQUIRE_CUDA(): without a visible CUDA device they are skipped with a message (ctest
// reports them as skipped), and on a GPU host they run.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#define MUNIT_REQUIRE_CUDA()                                                                     \
  do {                                                                                           \
    if (!torch::cuda::is_available())                                                            \
      GTEST_SKIP() << "needs a CUDA device, and none is visible (a CPU-only LibTorch, or no GPU)"; \
  } while (0)
