#include "reflect_pad.h"

#include <cstring>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace munit::model {
namespace {

using c10::BFloat16;

// The source row (or column) of padded position `i` of a line of `n` with padding `p`.
inline std::int64_t source(std::int64_t i, std::int64_t p, std::int64_t n, bool reflect) {
  i -= p;
  if (i < 0) return reflect ? -i : 0;
  if (i >= n) return reflect ? 2 * (n - 1) - i : n - 1;
  return i;
}

// An image as `images` grids of h x w pixels of `unit` contiguous values: NCHW is N * C planes of
// single values, channels_last N images of C-value pixels. The same loops pad both.
struct Grid {
  std::int64_t images, h, w, unit;
  at::MemoryFormat format;
};

Grid grid_of(const at::Tensor& x) {
  const bool nhwc = !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast);
  if (nhwc) return {x.size(0), x.size(2), x.size(3), x.size(1), at::MemoryFormat::ChannelsLast};
  return {x.size(0) * x.size(1), x.size(2), x.size(3), 1, at::MemoryFormat::Contiguous};
}

at::Tensor pad_images(const at::Tensor& input, std::int64_t p, bool reflect) {
  const Grid g = grid_of(input);
  const at::Tensor x = input.contiguous(g.format);
  const std::int64_t oh = g.h + 2 * p, ow = g.w + 2 * p, u = g.unit;
  at::Tensor out = at::empty({x.size(0), x.size(1), oh, ow}, x.options().memory_format(g.format));
  const BFloat16* in = x.data_ptr<BFloat16>();
  BFloat16* o = out.data_ptr<BFloat16>();
  at::parallel_for(0, g.images * oh, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t image = task / oh, r = task % oh;
      const BFloat16* row = in + (image * g.h + source(r, p, g.h, reflect)) * g.w * u;
      BFloat16* line = o + (image * oh + r) * ow * u;
      std::memcpy(line + p * u, row, g.w * u * sizeof(BFloat16));
      for (std::int64_t j = 0; j < p; ++j) {
        std::memcpy(line + j * u, row + source(j, p, g.w, reflect) * u, u * sizeof(BFloat16));
        const std::int64_t right = p + g.w + j;
        std::memcpy(line + right * u, row + source(right, p, g.w, reflect) * u, u * sizeof(BFloat16));
      }
    }
  });
  return out;
}

// Each input pixel sums the gradients of the output pixels that copied it, accumulated in fp32.
at::Tensor unpad_images(const at::Tensor& grad_output, std::int64_t p, std::int64_t h, std::int64_t w, bool reflect) {
  const Grid padded = grid_of(grad_output);
  const at::Tensor g = grad_output.contiguous(padded.format);
  const std::int64_t oh = h + 2 * p, ow = w + 2 * p, u = padded.unit;
  at::Tensor grad_input = at::empty({g.size(0), g.size(1), h, w}, g.options().memory_format(padded.format));
  const BFloat16* go = g.data_ptr<BFloat16>();
  BFloat16* gi = grad_input.data_ptr<BFloat16>();
  at::parallel_for(0, padded.images * h, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> sum(w * u);
    for (std::int64_t task = begin; task < end; ++task) {
      const std::int64_t image = task / h, i = task % h;
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (std::int64_t r = 0; r < oh; ++r) {
        if (source(r, p, h, reflect) != i) continue;
        const BFloat16* line = go + (image * oh + r) * ow * u;
        for (std::int64_t j = 0; j < ow; ++j) {
          float* to = sum.data() + source(j, p, w, reflect) * u;
          for (std::int64_t k = 0; k < u; ++k) to[k] += static_cast<float>(line[j * u + k]);
        }
      }
      BFloat16* dst = gi + (image * h + i) * w * u;
      for (std::int64_t k = 0; k < w * u; ++k) dst[k] = static_cast<BFloat16>(sum[k]);
    }
  });
  return grad_input;
}

class Pad : public torch::autograd::Function<Pad> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, std::int64_t p, bool reflect) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["h"] = x.size(2);
    ctx->saved_data["w"] = x.size(3);
    ctx->saved_data["reflect"] = reflect;
    return pad_images(x, p, reflect);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    const std::int64_t p = ctx->saved_data["p"].toInt(), h = ctx->saved_data["h"].toInt(), w = ctx->saved_data["w"].toInt();
    return {unpad_images(grads[0], p, h, w, ctx->saved_data["reflect"].toBool()), at::Tensor(), at::Tensor()};
  }
};

void check_input(const at::Tensor& x) {
  TORCH_CHECK(x.is_cpu() && x.dim() == 4 && x.scalar_type() == at::kBFloat16, "bf16 padding takes a 4-D bf16 CPU tensor");
}

}  // namespace

at::Tensor reflect_pad_bf16(const at::Tensor& x, std::int64_t p) {
  check_input(x);
  TORCH_CHECK(p < x.size(2) && p < x.size(3), "reflection padding ", p, " needs images larger than that, got ", x.sizes());
  return Pad::apply(x, p, true);
}

at::Tensor replicate_pad_bf16(const at::Tensor& x, std::int64_t p) {
  check_input(x);
  return Pad::apply(x, p, false);
}

}  // namespace munit::model
