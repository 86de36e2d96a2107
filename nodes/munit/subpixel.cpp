#include "subpixel.h"

#include <torch/torch.h>

#include "onednn_conv.h"

namespace munit::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Kernel rows (or columns) [begin, end) summed into each of a phase's three taps: output row 2i + a
// reads upsampled rows 2i + a - 2 … 2i + a + 2, i.e. small rows i - 1, i, i + 1.
constexpr std::int64_t kTaps[2][3][2] = {{{0, 2}, {2, 4}, {4, 5}}, {{0, 1}, {1, 3}, {3, 5}}};
// The same map the other way: the tap each of the five kernel rows falls in, per phase.
const std::vector<std::int64_t> kTapOf[2] = {{0, 0, 1, 1, 2}, {0, 1, 1, 2, 2}};

class PhaseKernels : public torch::autograd::Function<PhaseKernels> {
 public:
  static at::Tensor forward(AutogradContext*, const at::Tensor& weight) {
    std::vector<at::Tensor> phases;
    for (int a = 0; a < 2; ++a)
      for (int c = 0; c < 2; ++c) {
        std::vector<at::Tensor> rows;
        for (const auto& ky : kTaps[a]) {
          std::vector<at::Tensor> taps;
          for (const auto& kx : kTaps[c])
            taps.push_back(weight.slice(2, ky[0], ky[1]).slice(3, kx[0], kx[1]).sum({2, 3}));
          rows.push_back(torch::stack(taps, -1));
        }
        phases.push_back(torch::stack(rows, -2));  // [out, in, 3, 3]
      }
    return torch::stack(phases, 1).view({weight.size(0) * 4, weight.size(1), 3, 3});
  }

  // Each 5x5 tap went into exactly one tap of each phase.
  static tensor_list backward(AutogradContext*, tensor_list grads) {
    const at::Tensor g = grads[0].view({-1, 4, grads[0].size(1), 3, 3});
    at::Tensor weight_grad;
    for (int a = 0; a < 2; ++a)
      for (int c = 0; c < 2; ++c) {
        const at::Tensor rows = torch::tensor(kTapOf[a]), columns = torch::tensor(kTapOf[c]);
        at::Tensor part = g.select(1, 2 * a + c).index_select(2, rows).index_select(3, columns);
        weight_grad = weight_grad.defined() ? weight_grad + part : part;
      }
    return {weight_grad};
  }
};

// Phase image [n, 4c, h, w] to the image [n, c, 2h, 2w] and back, in the input's layout (NCHW or
// channels_last), as autograd functions: the gradient of one is the other.
at::Tensor shuffle(const at::Tensor& phased) {
  const std::int64_t n = phased.size(0), channels = phased.size(1) / 4, h = phased.size(2), w = phased.size(3);
  at::Tensor out = at::empty({n, channels, 2 * h, 2 * w}, phased.options().memory_format(phased.suggest_memory_format()));
  out.view({n, channels, h, 2, w, 2}).copy_(phased.view({n, channels, 2, 2, h, w}).permute({0, 1, 4, 2, 5, 3}));
  return out;
}

at::Tensor unshuffle(const at::Tensor& image) {
  const std::int64_t n = image.size(0), channels = image.size(1), h = image.size(2) / 2, w = image.size(3) / 2;
  at::Tensor out = at::empty({n, channels * 4, h, w}, image.options().memory_format(image.suggest_memory_format()));
  out.view({n, channels, 2, 2, h, w}).copy_(image.view({n, channels, h, 2, w, 2}).permute({0, 1, 3, 5, 2, 4}));
  return out;
}

class Shuffle : public torch::autograd::Function<Shuffle> {
 public:
  static at::Tensor forward(AutogradContext*, const at::Tensor& phased) { return shuffle(phased); }
  static tensor_list backward(AutogradContext*, tensor_list grads) { return {unshuffle(grads[0])}; }
};

// The shuffle with the border lines added (a function of its own: the lines' gradients are slices
// of the output's, and the output's passes back without a copy per line).
class ShufflePhases : public torch::autograd::Function<ShufflePhases> {
 public:
  static at::Tensor forward(AutogradContext*, const at::Tensor& phased, const at::Tensor& top,
                            const at::Tensor& bottom, const at::Tensor& left, const at::Tensor& right) {
    const std::int64_t h = phased.size(2), w = phased.size(3);
    at::Tensor out = shuffle(phased);
    out.narrow(2, 0, 1).add_(top);
    out.narrow(2, 2 * h - 1, 1).add_(bottom);
    out.narrow(3, 0, 1).add_(left);
    out.narrow(3, 2 * w - 1, 1).add_(right);
    return out;
  }

  static tensor_list backward(AutogradContext*, tensor_list grads) {
    const at::Tensor& g = grads[0];
    const std::int64_t h = g.size(2) / 2, w = g.size(3) / 2;
    return {unshuffle(g), g.narrow(2, 0, 1), g.narrow(2, 2 * h - 1, 1), g.narrow(3, 0, 1), g.narrow(3, 2 * w - 1, 1)};
  }
};

// Two pixels of reflect or replicate padding on both sides of `dim` (any dtype).
at::Tensor pad_two(const at::Tensor& x, std::int64_t dim, bool reflect) {
  const std::int64_t n = x.size(dim);
  if (reflect)
    return torch::cat({x.narrow(dim, 2, 1), x.narrow(dim, 1, 1), x, x.narrow(dim, n - 2, 1), x.narrow(dim, n - 3, 1)}, dim);
  const at::Tensor first = x.narrow(dim, 0, 1), last = x.narrow(dim, n - 1, 1);
  return torch::cat({first, first, x, last, last}, dim);
}

// Padded line `outer` of the reflect-padded upsampled image minus that of the replicate-padded
// one, along `dim` (2: a row, 3: a column): small line `reflected` against small line `edge`,
// each upsampled and padded along the line.
at::Tensor line_difference(const at::Tensor& reflected, const at::Tensor& edge, std::int64_t along) {
  return pad_two(reflected.repeat_interleave(2, along), along, true) - pad_two(edge.repeat_interleave(2, along), along, false);
}

// A border line's convolution. LibTorch sends such thin inputs (at most 20,480 values at batch 1)
// to its im2col convolution on the BLAS: on Debian's reference BLAS, 0.48 s of operator time per
// fp32 128 px iteration of munit_fused.toml (AMD EPYC); oneDNN's forward took 0.02 s of it.
at::Tensor line_convolution(const at::Tensor& line, const at::Tensor& weight) {
  if (!onednn_conv_runs(line, weight)) return torch::conv2d(line, weight);
  return onednn_conv2d(line, weight, at::Tensor(), 1, *make_conv_weights());  // four views of one weight: nothing to keep
}

}  // namespace

at::Tensor phase_kernels(const at::Tensor& weight) { return PhaseKernels::apply(weight); }

BorderLines reflect_border_lines(const at::Tensor& low, const at::Tensor& weight) {
  const std::int64_t h = low.size(2), w = low.size(3);
  const at::Tensor top = line_difference(low.narrow(2, 1, 1), low.narrow(2, 0, 1), 3);
  const at::Tensor bottom = line_difference(low.narrow(2, h - 2, 1), low.narrow(2, h - 1, 1), 3);
  // The columns' corner entries belong to the rows' lines already.
  auto inner = [](const at::Tensor& column) {
    const at::Tensor zero = torch::zeros_like(column.narrow(2, 0, 1));
    return torch::cat({zero, column.narrow(2, 1, column.size(2) - 2), zero}, 2);
  };
  const at::Tensor left = inner(line_difference(low.narrow(3, 1, 1), low.narrow(3, 0, 1), 2));
  const at::Tensor right = inner(line_difference(low.narrow(3, w - 2, 1), low.narrow(3, w - 1, 1), 2));
  // The outermost padded row is read by the first output row through kernel row 0 only, the last
  // by the last output row through kernel row 4; likewise for columns.
  return {line_convolution(top, weight.narrow(2, 0, 1)), line_convolution(bottom, weight.narrow(2, 4, 1)),
          line_convolution(left, weight.narrow(3, 0, 1)), line_convolution(right, weight.narrow(3, 4, 1))};
}

at::Tensor shuffle_phases(const at::Tensor& phased, const BorderLines* lines) {
  if (!lines) return Shuffle::apply(phased);
  return ShufflePhases::apply(phased, lines->top, lines->bottom, lines->left, lines->right);
}

}  // namespace munit::model
