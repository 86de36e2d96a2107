#pragma once
// Instance norm (with AdaIN's per-sample affine) and the official LayerNorm on CPU bf16 images, as
// single autograd functions: fp32 statistics from bf16 sums, one fused scale-and-shift pass
// forward and one gradient pass backward, bf16 in and out. Composed of ATen operations the same
// norms took about twenty passes over memory each way (LibTorch 1.13's sum and vector norm with an
// fp32 result first copy the whole input to fp32). The arithmetic is the fp32 norms' (within
// bf16's rounding; tests/model/bf16_norms_test.cpp), so fp32 keeps its own exact code.
#include <ATen/core/Tensor.h>

namespace munit::model {

// x: [N, C, H, W] bf16 on the CPU, NCHW or channels_last (the result keeps it). weight, bias: per-(sample, channel) affine of N * C
// values (AdaIN), or undefined for none. Differentiable in all three.
at::Tensor instance_norm_bf16(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

// The official LayerNorm (layers.h) of a bf16 [N, C, H, W] CPU image (NCHW or channels_last): per sample, or over
// everything for a batch of one, divided by the unbiased std plus eps; gamma, beta: [C] fp32.
at::Tensor layer_norm_bf16(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& beta, double eps);

}  // namespace munit::model
