#pragma once
// Nearest 2x upsampling followed by a 5x5, stride-1 convolution with 2 pixels of padding, computed
// on the small image: output pixel (2i + a, 2j + c) reads upsampled rows and columns within 2 of
// it, i.e. small rows i - 1 … i + 1 and columns j - 1 … j + 1, through sums of the 5x5 taps. So each
// output phase (a, c) is a 3x3 convolution of the small image padded by one pixel (2.8x fewer
// multiply-adds). Zero and replicate padding commute with the upsampling; reflect padding does
// not on the outermost padded row and column on each side, and the difference there is added back
// as four one-dimensional convolutions (border_lines). Equal to the plain path up to float
// rounding, and differentiable (training uses it too).
#include <ATen/core/Tensor.h>

namespace munit::model {

// The phase kernels of a [out, in, 5, 5] weight: [out * 4, in, 3, 3], output channel 4k + 2a + c
// for phase (a, c) of channel k (pixel_shuffle's order).
at::Tensor phase_kernels(const at::Tensor& weight);

// What reflect padding of the upsampled image adds to the replicate-padded phase path: top and
// bottom output rows, first and last output columns, each [N, out, 1, 2W] or [N, out, 2H, 1].
struct BorderLines {
  at::Tensor top, bottom, left, right;
};
BorderLines reflect_border_lines(const at::Tensor& low, const at::Tensor& weight);

// pixel_shuffle(phased, 2) ([N, 4C, H, W] → [N, C, 2H, 2W]) in one permuting copy, 3.5x faster than
// LibTorch 1.13's, plus `lines` when given.
at::Tensor shuffle_phases(const at::Tensor& phased, const BorderLines* lines = nullptr);

}  // namespace munit::model
