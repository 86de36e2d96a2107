#pragma once
// Reflection padding of bf16 images, forward and backward, in bf16. LibTorch 1.13 has no bf16
// reflection_pad2d kernel, so under autocast every padded convolution went bf16 → fp32 → pad →
// bf16; this pads in place of that (one pass, half the bytes). fp32 inputs keep LibTorch's own
// reflection_pad2d, so fp32 stays exact to the official code.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace munit::model {

// x: [N, C, H, W] bf16 on the CPU, p < H and p < W; returns [N, C, H + 2p, W + 2p], differentiable.
at::Tensor reflect_pad_bf16(const at::Tensor& x, std::int64_t p);

}  // namespace munit::model
