#pragma once
// What the inference style nodes share: reference styles computed as the official test script
// does, and a set of styles laid out for a batch of inputs.
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "../munit/models.h"
#include "munit/tensor.h"

namespace munit::style {

// The style code [style_dim, 1, 1] of one reference image: the file read in the generator's
// channels (gray for input_dim 1, else RGB), its shorter side resized to `size` (0: as stored),
// alone through the style encoder (a batch of one, as test.py). UserError for an unreadable file.
at::Tensor reference_style(model::GeneratorModel& model, const std::string& path, int size);

// The same K styles [K, style_dim, 1, 1] for each input of `inputs`: [N * K, ...] grouped by input,
// named "<input stem>_<tag k>", on the inputs' device (constant styles are best kept there already).
TensorBatch each_input_with(const TensorBatch& inputs, const at::Tensor& styles, const std::vector<std::string>& tags);

// "<input stem>_<tag>" for each input and each tag, grouped by input: the outputs' names.
std::vector<std::string> styled_names(const TensorBatch& inputs, const std::vector<std::string>& tags);

// Points between two style codes a, b [D] at each t of `t` [T]: [T, D].
// lerp: (1 - t) a + t b, the straight line.
// slerp: along the great circle from a's direction to b's, the norm going linearly from |a| to |b|.
// Draws from N(0, I) have norms near sqrt(D); a straight line between two of them passes nearer 0
// (by 1/sqrt(2) midway between orthogonal ones), where the decoder saw few styles, while slerp's
// points keep the draws' norms. It falls back to lerp when an end is 0 or the two are (anti)parallel.
at::Tensor lerp(const at::Tensor& a, const at::Tensor& b, const at::Tensor& t);
at::Tensor slerp(const at::Tensor& a, const at::Tensor& b, const at::Tensor& t);

// "<prefix>0", "<prefix>1", ...: zero-padded to the width of count - 1, so file names sort.
std::vector<std::string> numbered_tags(const std::string& prefix, std::int64_t count);

}  // namespace munit::style
