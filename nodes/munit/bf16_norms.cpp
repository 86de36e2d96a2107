#include "bf16_norms.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace munit::model {
namespace {

using c10::BFloat16;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Each loop below keeps kLanes independent float accumulators, which the compiler turns into
// vector registers without reordering any one sum; target_clones picks AVX-512 or AVX2 at load.
constexpr int kLanes = 16;
#define MUNIT_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// bf16 <-> fp32 as plain bit operations the compiler vectorizes (c10::BFloat16's own conversions
// branch on NaN per value); rounding to nearest even, NaN kept NaN.
inline float f32(BFloat16 v) {
  const std::uint32_t bits = static_cast<std::uint32_t>(v.x) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline BFloat16 bf16(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const std::uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
  BFloat16 out;
  out.x = static_cast<std::uint16_t>(nan ? 0x7FC0u : rounded);
  return out;
}

float fold(const float (&lane)[kLanes]) {
  float total = 0;
  for (float v : lane) total += v;
  return total;
}

MUNIT_VECTOR_CLONES float sum_of(const BFloat16* x, std::int64_t n) {
  float lane[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] += f32(x[i + k]);
  float total = fold(lane);
  for (; i < n; ++i) total += f32(x[i]);
  return total;
}

// Σ (x - mean)²: a second pass (the plane is in cache) instead of Σx² - n mean², which cancels.
MUNIT_VECTOR_CLONES float squares_about(const BFloat16* x, std::int64_t n, float mean) {
  float lane[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float d = f32(x[i + k]) - mean;
      lane[k] += d * d;
    }
  float total = fold(lane);
  for (; i < n; ++i) total += (f32(x[i]) - mean) * (f32(x[i]) - mean);
  return total;
}

// Σ g and Σ g (x - mean).
MUNIT_VECTOR_CLONES void gradient_sums(const BFloat16* g, const BFloat16* x, std::int64_t n, float mean, float& sum_g,
                                       float& sum_gx) {
  float lane_g[kLanes] = {}, lane_gx[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float gv = f32(g[i + k]);
      lane_g[k] += gv;
      lane_gx[k] += gv * (f32(x[i + k]) - mean);
    }
  sum_g = fold(lane_g);
  sum_gx = fold(lane_gx);
  for (; i < n; ++i) {
    sum_g += f32(g[i]);
    sum_gx += f32(g[i]) * (f32(x[i]) - mean);
  }
}

// out = a x + b, rounded once.
MUNIT_VECTOR_CLONES void scale_shift(const BFloat16* x, std::int64_t n, float a, float b, BFloat16* out) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = bf16(a * f32(x[i]) + b);
}

// out = k1 g + k2 x + k3, rounded once: every norm's input gradient has this form per plane.
MUNIT_VECTOR_CLONES void combine(const BFloat16* g, const BFloat16* x, std::int64_t n, float k1, float k2, float k3,
                                 BFloat16* out) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = bf16(k1 * f32(g[i]) + k2 * f32(x[i]) + k3);
}

// Runs f(plane) for every plane of n values, in parallel chunks of at least ~16k values.
template <class F>
void for_planes(std::int64_t planes, std::int64_t n, const F& f) {
  at::parallel_for(0, planes, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)),
                   [&](std::int64_t begin, std::int64_t end) {
                     for (std::int64_t p = begin; p < end; ++p) f(p);
                   });
}

// NHWC images: blocks of up to kBlock channels (one cache line), each read down all pixels.
constexpr std::int64_t kBlock = 32;

template <int W>  // W channels, or 0: `width` channels
inline void block_moments(const BFloat16* x, std::int64_t n, std::int64_t stride, int width, float* mean, float* m2) {
  const int w = W > 0 ? W : width;
  float acc[kBlock] = {};
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < w; ++k) acc[k] += f32(x[i * stride + k]);
  for (int k = 0; k < w; ++k) mean[k] = acc[k] / static_cast<float>(n), acc[k] = 0;
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < w; ++k) {
      const float d = f32(x[i * stride + k]) - mean[k];
      acc[k] += d * d;
    }
  for (int k = 0; k < w; ++k) m2[k] = acc[k];
}

template <int W>
inline void block_gradient_sums(const BFloat16* g, const BFloat16* x, std::int64_t n, std::int64_t stride, int width,
                                const float* mean, float* sum_g, float* sum_gx) {
  const int w = W > 0 ? W : width;
  float acc_g[kBlock] = {}, acc_gx[kBlock] = {};
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < w; ++k) {
      const float gv = f32(g[i * stride + k]);
      acc_g[k] += gv;
      acc_gx[k] += gv * (f32(x[i * stride + k]) - mean[k]);
    }
  for (int k = 0; k < w; ++k) sum_g[k] = acc_g[k], sum_gx[k] = acc_gx[k];
}

template <int W>
inline void block_scale_shift(const BFloat16* x, std::int64_t n, std::int64_t stride, int width, const float* a,
                              const float* b, BFloat16* out) {
  const int w = W > 0 ? W : width;
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < w; ++k) out[i * stride + k] = bf16(a[k] * f32(x[i * stride + k]) + b[k]);
}

template <int W>
inline void block_combine(const BFloat16* g, const BFloat16* x, std::int64_t n, std::int64_t stride, int width,
                          const float* k1, const float* k2, const float* k3, BFloat16* out) {
  const int w = W > 0 ? W : width;
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < w; ++k)
      out[i * stride + k] = bf16(k1[k] * f32(g[i * stride + k]) + k2[k] * f32(x[i * stride + k]) + k3[k]);
}

// The dispatchers: a full block at its fixed width (vectorized), a narrower one at run time.
MUNIT_VECTOR_CLONES void nhwc_moments(const BFloat16* x, std::int64_t n, std::int64_t stride, int width, float* mean,
                                      float* m2) {
  width == kBlock ? block_moments<kBlock>(x, n, stride, width, mean, m2) : block_moments<0>(x, n, stride, width, mean, m2);
}
MUNIT_VECTOR_CLONES void nhwc_gradient_sums(const BFloat16* g, const BFloat16* x, std::int64_t n, std::int64_t stride,
                                            int width, const float* mean, float* sum_g, float* sum_gx) {
  width == kBlock ? block_gradient_sums<kBlock>(g, x, n, stride, width, mean, sum_g, sum_gx)
                  : block_gradient_sums<0>(g, x, n, stride, width, mean, sum_g, sum_gx);
}
MUNIT_VECTOR_CLONES void nhwc_scale_shift(const BFloat16* x, std::int64_t n, std::int64_t stride, int width,
                                          const float* a, const float* b, BFloat16* out) {
  width == kBlock ? block_scale_shift<kBlock>(x, n, stride, width, a, b, out)
                  : block_scale_shift<0>(x, n, stride, width, a, b, out);
}
MUNIT_VECTOR_CLONES void nhwc_combine(const BFloat16* g, const BFloat16* x, std::int64_t n, std::int64_t stride, int width,
                                      const float* k1, const float* k2, const float* k3, BFloat16* out) {
  width == kBlock ? block_combine<kBlock>(g, x, n, stride, width, k1, k2, k3, out)
                  : block_combine<0>(g, x, n, stride, width, k1, k2, k3, out);
}

// A bf16 image as NCHW planes or, when it is channels_last, NHWC pixels.
struct Image {
  at::Tensor x;
  std::int64_t samples, channels, n;  // n pixels per image
  bool nhwc;
  std::int64_t planes() const { return samples * channels; }
  const BFloat16* plane(std::int64_t p) const { return x.data_ptr<BFloat16>() + p * n; }
  std::int64_t blocks() const { return (channels + kBlock - 1) / kBlock; }
  // Task t of samples * blocks(): its first plane, channel width and first value.
  std::int64_t block_plane(std::int64_t t) const { return t / blocks() * channels + t % blocks() * kBlock; }
  int block_width(std::int64_t t) const { return static_cast<int>(std::min(kBlock, channels - t % blocks() * kBlock)); }
  std::int64_t block_offset(std::int64_t t) const { return t / blocks() * n * channels + t % blocks() * kBlock; }
  const BFloat16* block(std::int64_t t) const { return x.data_ptr<BFloat16>() + block_offset(t); }
};

Image image_of(const at::Tensor& x) {
  TORCH_CHECK(x.is_cpu() && x.dim() == 4 && x.scalar_type() == at::kBFloat16, "bf16 norms take a 4-D bf16 CPU tensor, got ",
              x.sizes(), " ", x.scalar_type());
  const bool nhwc = !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast);
  return {nhwc ? x : x.contiguous(), x.size(0), x.size(1), x.size(2) * x.size(3), nhwc};
}

// The gradient in its image's layout.
Image gradient_like(const at::Tensor& g, const Image& x) {
  return image_of(g.to(at::kBFloat16).contiguous(x.nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
}

// Runs f(task) over an NHWC image's samples * blocks() tasks.
template <class F>
void for_blocks(const Image& image, const F& f) {
  at::parallel_for(0, image.samples * image.blocks(), std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(image.n * kBlock, 1)),
                   [&](std::int64_t begin, std::int64_t end) {
                     for (std::int64_t t = begin; t < end; ++t) f(t);
                   });
}

// Per-plane mean and Σ (x - mean)².
void plane_moments(const Image& image, std::vector<float>& mean, std::vector<float>& m2) {
  mean.resize(image.planes());
  m2.resize(image.planes());
  if (image.nhwc)
    return for_blocks(image, [&](std::int64_t t) {
      const std::int64_t p = image.block_plane(t);
      nhwc_moments(image.block(t), image.n, image.channels, image.block_width(t), &mean[p], &m2[p]);
    });
  for_planes(image.planes(), image.n, [&](std::int64_t p) {
    mean[p] = sum_of(image.plane(p), image.n) / static_cast<float>(image.n);
    m2[p] = squares_about(image.plane(p), image.n, mean[p]);
  });
}

at::Tensor scaled(const Image& image, const std::vector<float>& a, const std::vector<float>& b) {
  at::Tensor out = at::empty_like(image.x);
  BFloat16* o = out.data_ptr<BFloat16>();
  if (image.nhwc) {
    for_blocks(image, [&](std::int64_t t) {
      const std::int64_t p = image.block_plane(t);
      nhwc_scale_shift(image.block(t), image.n, image.channels, image.block_width(t), &a[p], &b[p], o + image.block_offset(t));
    });
    return out;
  }
  for_planes(image.planes(), image.n, [&](std::int64_t p) { scale_shift(image.plane(p), image.n, a[p], b[p], o + p * image.n); });
  return out;
}

// Per-plane Σ g and Σ g (x - mean[p]) of the output gradient g.
void plane_gradient_sums(const Image& g, const Image& x, const std::vector<float>& mean, std::vector<float>& sum_g,
                         std::vector<float>& sum_gx) {
  sum_g.resize(x.planes());
  sum_gx.resize(x.planes());
  if (x.nhwc)
    return for_blocks(x, [&](std::int64_t t) {
      const std::int64_t p = x.block_plane(t);
      nhwc_gradient_sums(g.block(t), x.block(t), x.n, x.channels, x.block_width(t), &mean[p], &sum_g[p], &sum_gx[p]);
    });
  for_planes(x.planes(), x.n, [&](std::int64_t p) { gradient_sums(g.plane(p), x.plane(p), x.n, mean[p], sum_g[p], sum_gx[p]); });
}

at::Tensor combined(const Image& g, const Image& x, const std::vector<float>& k1, const std::vector<float>& k2,
                    const std::vector<float>& k3) {
  at::Tensor out = at::empty_like(x.x);
  BFloat16* o = out.data_ptr<BFloat16>();
  if (x.nhwc) {
    for_blocks(x, [&](std::int64_t t) {
      const std::int64_t p = x.block_plane(t);
      nhwc_combine(g.block(t), x.block(t), x.n, x.channels, x.block_width(t), &k1[p], &k2[p], &k3[p], o + x.block_offset(t));
    });
    return out;
  }
  for_planes(x.planes(), x.n, [&](std::int64_t p) { combine(g.plane(p), x.plane(p), x.n, k1[p], k2[p], k3[p], o + p * x.n); });
  return out;
}

std::vector<float> floats(const at::Tensor& t) {
  const at::Tensor f = t.to(at::kFloat).contiguous();
  return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

at::Tensor tensor_of(const std::vector<float>& values) {
  return torch::from_blob(const_cast<float*>(values.data()), {static_cast<std::int64_t>(values.size())}, torch::kFloat).clone();
}

class InstanceNorm : public torch::autograd::Function<InstanceNorm> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            double eps) {
    const Image x = image_of(input);
    std::vector<float> mean, m2;
    plane_moments(x, mean, m2);
    const std::vector<float> w = floats(weight), shift = floats(bias);
    std::vector<float> rstd(x.planes()), a(x.planes()), b(x.planes());
    for (std::int64_t p = 0; p < x.planes(); ++p) {
      rstd[p] = 1.0f / std::sqrt(m2[p] / static_cast<float>(x.n) + static_cast<float>(eps));
      a[p] = rstd[p] * w[p];
      b[p] = shift[p] - mean[p] * a[p];
    }
    ctx->save_for_backward({x.x, tensor_of(mean), tensor_of(rstd), weight});
    ctx->saved_data["bias_type"] = static_cast<std::int64_t>(bias.scalar_type());
    return scaled(x, a, b);
  }

  // With x̂ = (x - mean) rstd: dx = rstd w (g - Σg / n - x̂ Σ g x̂ / n), dw = Σ g x̂, db = Σ g.
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Image x = image_of(saved[0]), g = gradient_like(grads[0], x);
    const std::vector<float> mean = floats(saved[1]), rstd = floats(saved[2]);
    const at::Tensor& weight = saved[3];
    const std::vector<float> w = floats(weight);
    std::vector<float> sum_g, sum_gx;
    plane_gradient_sums(g, x, mean, sum_g, sum_gx);
    const float n = static_cast<float>(x.n);
    std::vector<float> k1(x.planes()), k2(x.planes()), k3(x.planes()), dw(x.planes());
    for (std::int64_t p = 0; p < x.planes(); ++p) {
      dw[p] = rstd[p] * sum_gx[p];
      k1[p] = rstd[p] * w[p];
      k2[p] = -k1[p] * rstd[p] * dw[p] / n;
      k3[p] = -k1[p] * sum_g[p] / n - k2[p] * mean[p];
    }
    at::Tensor grad_x = ctx->needs_input_grad(0) ? combined(g, x, k1, k2, k3) : at::Tensor();
    at::Tensor grad_w = ctx->needs_input_grad(1) ? tensor_of(dw).to(weight.scalar_type()) : at::Tensor();
    const auto bias_type = static_cast<at::ScalarType>(ctx->saved_data["bias_type"].toInt());
    at::Tensor grad_b = ctx->needs_input_grad(2) ? tensor_of(sum_g).to(bias_type) : at::Tensor();
    return {grad_x, grad_w, grad_b, at::Tensor()};
  }
};

class LayerNorm : public torch::autograd::Function<LayerNorm> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& gamma, const at::Tensor& beta,
                            double eps) {
    const Image x = image_of(input);
    std::vector<float> mean, m2;
    plane_moments(x, mean, m2);
    const std::vector<float> scale = floats(gamma), shift = floats(beta);
    // Each sample's mean and unbiased std from its planes' (Chan et al.'s pairwise combination).
    const std::int64_t c = x.channels;
    const double count = static_cast<double>(c * x.n);
    std::vector<float> sample_mean(x.samples), sample_std(x.samples), a(x.planes()), b(x.planes());
    for (std::int64_t s = 0; s < x.samples; ++s) {
      double total = 0, squares = 0;
      for (std::int64_t k = 0; k < c; ++k) total += mean[s * c + k];
      const double mu = total / static_cast<double>(c);
      for (std::int64_t k = 0; k < c; ++k) {
        const double d = mean[s * c + k] - mu;
        squares += m2[s * c + k] + static_cast<double>(x.n) * d * d;
      }
      sample_mean[s] = static_cast<float>(mu);
      sample_std[s] = static_cast<float>(std::sqrt(squares / (count - 1)));
      for (std::int64_t k = 0; k < c; ++k) {
        a[s * c + k] = scale[k] / (sample_std[s] + static_cast<float>(eps));
        b[s * c + k] = shift[k] - sample_mean[s] * a[s * c + k];
      }
    }
    ctx->save_for_backward({x.x, tensor_of(sample_mean), tensor_of(sample_std), gamma});
    ctx->saved_data["eps"] = eps;
    ctx->saved_data["beta_type"] = static_cast<std::int64_t>(beta.scalar_type());
    return scaled(x, a, b);
  }

  // With s = σ + eps over M = C·H·W values, A = Σ γ g and B = Σ γ g (x - μ) per sample:
  // dx = γ g / s - A / (M s) - B (x - μ) / (s² (M - 1) σ); dγ = Σ g (x - μ) / s, dβ = Σ g.
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Image x = image_of(saved[0]), g = gradient_like(grads[0], x);
    const std::vector<float> sample_mean = floats(saved[1]), sample_std = floats(saved[2]), gamma = floats(saved[3]);
    const float eps = static_cast<float>(ctx->saved_data["eps"].toDouble());
    const std::int64_t c = x.channels;
    std::vector<float> mean(x.planes());
    for (std::int64_t p = 0; p < x.planes(); ++p) mean[p] = sample_mean[p / c];
    std::vector<float> sum_g, sum_gx;
    plane_gradient_sums(g, x, mean, sum_g, sum_gx);
    const double count = static_cast<double>(c * x.n);
    std::vector<float> k1(x.planes()), k2(x.planes()), k3(x.planes()), d_gamma(c, 0.0f), d_beta(c, 0.0f);
    for (std::int64_t s = 0; s < x.samples; ++s) {
      double a = 0, b = 0;
      for (std::int64_t k = 0; k < c; ++k) {
        a += gamma[k] * sum_g[s * c + k];
        b += gamma[k] * sum_gx[s * c + k];
      }
      const double sigma = sample_std[s], shifted = sigma + eps;
      // A constant sample has no std gradient to pass (its σ is 0); the rest of dx stays.
      const double b_term = sigma > 0 ? -b / (shifted * shifted * (count - 1) * sigma) : 0.0;
      for (std::int64_t k = 0; k < c; ++k) {
        const std::int64_t p = s * c + k;
        k1[p] = static_cast<float>(gamma[k] / shifted);
        k2[p] = static_cast<float>(b_term);
        k3[p] = static_cast<float>(-a / (count * shifted) - b_term * sample_mean[s]);
        d_gamma[k] += static_cast<float>(sum_gx[p] / shifted);
        d_beta[k] += sum_g[p];
      }
    }
    at::Tensor grad_x = ctx->needs_input_grad(0) ? combined(g, x, k1, k2, k3) : at::Tensor();
    at::Tensor grad_gamma = ctx->needs_input_grad(1) ? tensor_of(d_gamma).to(saved[3].scalar_type()) : at::Tensor();
    const auto beta_type = static_cast<at::ScalarType>(ctx->saved_data["beta_type"].toInt());
    at::Tensor grad_beta = ctx->needs_input_grad(2) ? tensor_of(d_beta).to(beta_type) : at::Tensor();
    return {grad_x, grad_gamma, grad_beta, at::Tensor()};
  }
};

}  // namespace

at::Tensor instance_norm_bf16(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
  // An autograd function takes no undefined tensors: no affine is the identity one.
  const std::int64_t planes = x.size(0) * x.size(1);
  TORCH_CHECK((!weight.defined() || weight.numel() == planes) && (!bias.defined() || bias.numel() == planes),
              "instance_norm_bf16: an affine of ", planes, " values per image batch ", x.sizes(), " expected");
  return InstanceNorm::apply(x, weight.defined() ? weight : at::ones({planes}), bias.defined() ? bias : at::zeros({planes}), eps);
}

at::Tensor layer_norm_bf16(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& beta, double eps) {
  TORCH_CHECK(gamma.numel() == x.size(1) && beta.numel() == x.size(1), "layer_norm_bf16: gamma and beta of ", x.size(1),
              " channels expected, got ", gamma.numel(), " and ", beta.numel());
  return LayerNorm::apply(x, gamma, beta, eps);
}

}  // namespace munit::model
