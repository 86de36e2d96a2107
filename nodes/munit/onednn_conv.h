#pragma once
// A convolution on the CPU through oneDNN itself (Debian's libdnnl, the library LibTorch 1.13 calls
// for its own convolutions), so that each weight stays in the layout and type its kernel reads
// between optimizer steps. LibTorch reorders every weight into oneDNN's blocked layout at every
// call, forward and backward, and under bf16 autocast also casts it; a training iteration calls
// each generator convolution several times with one weight. Here the weight is laid out once per
// change (ConvWeights), and the gradients come back as fp32 in the parameter's own layout.
//
// Without libdnnl at build time (the CUDA build), onednn_conv_fits is false and callers keep
// LibTorch's convolution. onednn_conv2d itself also computes in fp32 (tested against LibTorch).
#include <cstdint>
#include <memory>

#include <ATen/core/Tensor.h>

namespace munit::model {

// One convolution's weight as its kernels read it. It is remade when the weight's storage or
// version changes, so whoever writes a weight without an ATen operation must bump its version
// (at::Tensor's version counter), as the one-pass Adam does.
class ConvWeights;
std::shared_ptr<ConvWeights> make_conv_weights();

// Whether munit was built with oneDNN, and whether oneDNN has bf16 convolutions for this CPU
// (AVX-512 and newer; none on AVX2-only CPUs, where bf16 stays with LibTorch's slow fallback).
bool onednn_conv_built();
bool onednn_conv_has_bf16();

// Whether onednn_conv2d can compute this call at all, in fp32 or bf16: built with oneDNN, a 4-D CPU
// input, an fp32 weight, and bf16 kernels for this CPU where it would compute in bf16.
bool onednn_conv_runs(const at::Tensor& x, const at::Tensor& weight);

// Whether callers should take onednn_conv2d for this call: built with oneDNN, a 4-D CPU input in
// bf16 or under bf16 autocast, an fp32 weight (fp32 stays on LibTorch's convolutions), and a CPU
// oneDNN has bf16 kernels for.
bool onednn_conv_fits(const at::Tensor& x, const at::Tensor& weight);

// conv2d(x, weight, bias, stride) without padding, dilation or groups (bias may be undefined), differentiable in all
// three. Computes in bf16 when x is bf16 or bf16 autocast is on (returning bf16, as autocast's
// conv2d does), else in fp32.
at::Tensor onednn_conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                         ConvWeights& weights);

}  // namespace munit::model
