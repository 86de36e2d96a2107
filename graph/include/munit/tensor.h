#pragma once
// Tensor-valued packets. Only code that handles tensors includes this (it pulls in ATen's core).
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "munit/value.h"

namespace munit {

// An NCHW batch with one provenance entry per sample.
struct TensorBatch {
  at::Tensor data;
  std::vector<std::string> provenance;
};

// A 0-dim tensor: a loss (which may carry autograd history in training) or a metric.
struct Scalar {
  at::Tensor value;
};

// Whether bf16 autocast is on for the CPU on this thread: the executor turns it on around each node
// of a `precision = "bf16"` pipeline. For code that picks its own bf16 kernels.
bool cpu_bf16_autocast();

template <>
struct ValueTraits<TensorBatch> {
  static constexpr ValueKind kind = ValueKind::Tensor;
};
template <>
struct ValueTraits<Scalar> {
  static constexpr ValueKind kind = ValueKind::Scalar;
};

}  // namespace munit
