#include "reflect_pad.h"

#include <cstring>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace munit::model {
namespace {

using c10::BFloat16;

// The source row (or column) of padded position `i` of a line of `n` with padding `p`.
inline std::int64_t reflected(std::int64_t i, std::int64_t p, std::int64_t n) {
  i -= p;
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

at::Tensor pad_planes(const at::Tensor& input, std::int64_t p) {
  const at::Tensor x = input.contiguous();
  const std::int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const std::int64_t oh = h + 2 * p, ow = w + 2 * p;
  at::Tensor out = at::empty({x.size(0), x.size(1), oh, ow}, x.options());
  const BFloat16* in = x.data_ptr<BFloat16>();
  BFloat16* o = out.data_ptr<BFloat16>();
  at::parallel_for(0, planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t plane = begin; plane < end; ++plane) {
      const BFloat16* src = in + plane * h * w;
      BFloat16* dst = o + plane * oh * ow;
      for (std::int64_t r = 0; r < oh; ++r) {
        const BFloat16* row = src + reflected(r, p, h) * w;
        BFloat16* line = dst + r * ow;
        std::memcpy(line + p, row, w * sizeof(BFloat16));
        for (std::int64_t j = 0; j < p; ++j) {
          line[j] = row[p - j];
          line[p + w + j] = row[w - 2 - j];
        }
      }
    }
  });
  return out;
}

// Each input pixel sums the gradients of the output pixels that copied it, accumulated in fp32.
at::Tensor unpad_planes(const at::Tensor& grad_output, std::int64_t p, std::int64_t h, std::int64_t w) {
  const at::Tensor g = grad_output.contiguous();
  const std::int64_t planes = g.size(0) * g.size(1), oh = h + 2 * p, ow = w + 2 * p;
  at::Tensor grad_input = at::empty({g.size(0), g.size(1), h, w}, g.options());
  const BFloat16* go = g.data_ptr<BFloat16>();
  BFloat16* gi = grad_input.data_ptr<BFloat16>();
  at::parallel_for(0, planes, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> sum(h * w);
    for (std::int64_t plane = begin; plane < end; ++plane) {
      const BFloat16* src = go + plane * oh * ow;
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (std::int64_t r = 0; r < oh; ++r) {
        float* row = sum.data() + reflected(r, p, h) * w;
        const BFloat16* line = src + r * ow;
        for (std::int64_t j = 0; j < w; ++j) row[j] += static_cast<float>(line[p + j]);
        for (std::int64_t j = 0; j < p; ++j) {
          row[p - j] += static_cast<float>(line[j]);
          row[w - 2 - j] += static_cast<float>(line[p + w + j]);
        }
      }
      BFloat16* dst = gi + plane * h * w;
      for (std::int64_t i = 0; i < h * w; ++i) dst[i] = static_cast<BFloat16>(sum[i]);
    }
  });
  return grad_input;
}

class ReflectPad : public torch::autograd::Function<ReflectPad> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, std::int64_t p) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["h"] = x.size(2);
    ctx->saved_data["w"] = x.size(3);
    return pad_planes(x, p);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const std::int64_t p = ctx->saved_data["p"].toInt(), h = ctx->saved_data["h"].toInt(), w = ctx->saved_data["w"].toInt();
    return {unpad_planes(grads[0], p, h, w), at::Tensor()};
  }
};

}  // namespace

at::Tensor reflect_pad_bf16(const at::Tensor& x, std::int64_t p) {
  TORCH_CHECK(x.is_cpu() && x.dim() == 4 && x.scalar_type() == at::kBFloat16, "reflect_pad_bf16 takes a 4-D bf16 CPU tensor");
  TORCH_CHECK(p < x.size(2) && p < x.size(3), "reflection padding ", p, " needs images larger than that, got ", x.sizes());
  return ReflectPad::apply(x, p);
}

}  // namespace munit::model
