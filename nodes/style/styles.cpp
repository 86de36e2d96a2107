#include "styles.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "../data/read_image.h"
#include "../device_copy.h"
#include "../image_limits.h"
#include "../image_mat.h"
#include "../munit/input_size.h"
#include "../image_stem.h"
#include "../tensor_image.h"
#include "munit/errors.h"

namespace munit::style {

at::Tensor reference_style(model::GeneratorModel& model, const std::string& path, int size) {
  const bool gray = model.net->config().input_dim == 1;
  data::ReadImage read = data::read_image(path, gray ? data::Channels::Gray : data::Channels::Rgb);
  if (!read.image) throw UserError("cannot read the reference image '" + path + "' (" + read.why + ")");
  if (size > 0) check_resized_size(read.image->width, read.image->height, size, path);
  const std::int64_t smallest = model::smallest_image_side(model.net->config());
  const std::int64_t side = size > 0 ? size : std::min(read.image->width, read.image->height);
  if (side < smallest)
    throw UserError("the reference image '" + path + "' would be " + std::to_string(side) +
                    " pixels on its shorter side; the generator takes at least " + std::to_string(smallest));
  Image image = size > 0 ? image_from(resize_shorter_side(view_of(*read.image), size, kInterAuto)) : *read.image;
  torch::NoGradGuard no_grad;
  const torch::Device device = model.net->parameters().front().device();
  return model.net->enc_style->forward(tensor_of(image).unsqueeze(0).to(device))[0];
}

TensorBatch each_input_with(const TensorBatch& inputs, const at::Tensor& styles, const std::vector<std::string>& tags) {
  const std::int64_t n = inputs.data.size(0), k = styles.size(0);
  torch::Tensor each = to_device(styles, inputs.data.device()).unsqueeze(0).expand({n, k, styles.size(1), 1, 1});
  return {each.reshape({n * k, styles.size(1), 1, 1}), styled_names(inputs, tags)};
}

std::vector<std::string> styled_names(const TensorBatch& inputs, const std::vector<std::string>& tags) {
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < inputs.data.size(0); ++i) {
    const std::string input = i < static_cast<std::int64_t>(inputs.provenance.size()) ? inputs.provenance[i]
                                                                                      : "input" + std::to_string(i);
    for (const auto& tag : tags) names.push_back(styled_name(input, tag));
  }
  return names;
}

at::Tensor lerp(const at::Tensor& a, const at::Tensor& b, const at::Tensor& t) {
  const torch::Tensor s = t.unsqueeze(1);
  return a.unsqueeze(0) * (1 - s) + b.unsqueeze(0) * s;
}

at::Tensor slerp(const at::Tensor& a, const at::Tensor& b, const at::Tensor& t) {
  const double norm_a = a.to(torch::kDouble).norm().item<double>(), norm_b = b.to(torch::kDouble).norm().item<double>();
  if (norm_a < 1e-12 || norm_b < 1e-12) return style::lerp(a, b, t);
  const torch::Tensor unit_a = a.to(torch::kDouble) / norm_a, unit_b = b.to(torch::kDouble) / norm_b;
  // From the half-chords, not acos of the dot product: accurate near 0 and pi too, where rounding
  // would make (anti)parallel ends look a little apart.
  const double angle =
      2 * std::atan2((unit_a - unit_b).norm().item<double>(), (unit_a + unit_b).norm().item<double>());
  if (std::sin(angle) < 1e-4) return style::lerp(a, b, t);
  const torch::Tensor s = t.to(torch::kDouble).unsqueeze(1);
  const torch::Tensor direction =
      (torch::sin((1 - s) * angle) * unit_a.unsqueeze(0) + torch::sin(s * angle) * unit_b.unsqueeze(0)) / std::sin(angle);
  const torch::Tensor norm = (1 - s) * norm_a + s * norm_b;
  // The ends exactly, not up to rounding.
  const torch::Tensor ends = t.unsqueeze(1);
  return torch::where(ends == 0, a.unsqueeze(0), torch::where(ends == 1, b.unsqueeze(0), (direction * norm).to(a.dtype())));
}

std::vector<std::string> numbered_tags(const std::string& prefix, std::int64_t count) {
  const std::size_t width = std::to_string(std::max<std::int64_t>(count - 1, 0)).size();
  std::vector<std::string> tags;
  for (std::int64_t k = 0; k < count; ++k) {
    std::string number = std::to_string(k);
    tags.push_back(prefix + std::string(width - number.size(), '0') + number);
  }
  return tags;
}

}  // namespace munit::style
