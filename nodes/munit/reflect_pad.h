#pragma once
// Reflection (and replication) padding of bf16 images, forward and backward, in bf16 and in the
// image's layout (NCHW or channels_last). LibTorch 1.13 has no bf16 reflection_pad2d kernel, and
// autocast runs replication_pad2d in fp32, so every padded convolution went bf16 → fp32 → pad →
// bf16; this pads in place of that (one pass, half the bytes). fp32 inputs keep LibTorch's own
// padding, so fp32 stays exact to the official code.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace munit::model {

// x: [N, C, H, W] bf16 on the CPU, p < H and p < W; returns [N, C, H + 2p, W + 2p], differentiable.
at::Tensor reflect_pad_bf16(const at::Tensor& x, std::int64_t p);
// The same with the edge pixel repeated (any p).
at::Tensor replicate_pad_bf16(const at::Tensor& x, std::int64_t p);

}  // namespace munit::model
