#include "input_size.h"

namespace munit::model {
namespace {

// The side after a convolution (kernel k, stride s, padding p), or 0 where it cannot run:
// reflection padding must be smaller than the side (LibTorch refuses it otherwise).
std::int64_t convolved(std::int64_t side, int k, int s, int p, bool reflect) {
  if (side <= 0 || (reflect && p >= side) || side + 2 * p < k) return 0;
  return (side + 2 * p - k) / s + 1;
}

// Whether both encoders and the decoder (generator.cpp) take an image of `side` pixels a side.
bool takes(const GeneratorConfig& config, std::int64_t side) {
  const bool reflect = config.pad_type == "reflect";
  std::int64_t style = convolved(side, 7, 1, 3, reflect);
  for (int i = 0; i < 4; ++i) style = convolved(style, 4, 2, 1, reflect);  // always four downsamplings
  std::int64_t content = convolved(side, 7, 1, 3, reflect);
  for (std::int64_t i = 0; i < config.n_downsample; ++i) content = convolved(content, 4, 2, 1, reflect);
  if (config.n_res > 0) content = convolved(content, 3, 1, 1, reflect);
  std::int64_t decoded = content;
  for (std::int64_t i = 0; i < config.n_downsample; ++i) decoded = convolved(2 * decoded, 5, 1, 2, reflect);
  decoded = convolved(decoded, 7, 1, 3, reflect);
  return style > 0 && decoded > 0;
}

// Whether every scale of the discriminator (discriminator.cpp) takes an image of `side` pixels a
// side: each scale's input is the previous one average-pooled (3, stride 2, padding 1).
bool takes(const DiscriminatorConfig& config, std::int64_t side) {
  const bool reflect = config.pad_type == "reflect";
  for (std::int64_t scale = 0; scale < config.num_scales; ++scale) {
    std::int64_t x = side;
    for (std::int64_t i = 0; i < config.n_layer; ++i) x = convolved(x, 4, 2, 1, reflect);
    if (x <= 0) return false;
    side = convolved(side, 3, 2, 1, false);
  }
  return true;
}

template <class Config>
std::int64_t smallest(const Config& config) {
  std::int64_t side = 1;
  while (!takes(config, side) && side < (std::int64_t{1} << 20)) ++side;
  return side;
}

}  // namespace

std::int64_t smallest_image_side(const DiscriminatorConfig& config) { return smallest(config); }

std::int64_t smallest_image_side(const GeneratorConfig& config) { return smallest(config); }

}  // namespace munit::model
