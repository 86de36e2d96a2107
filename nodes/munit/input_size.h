#pragma once
// The smallest image a generator of this config encodes and decodes: its reflection paddings must
// be smaller than the sides they pad, down to the style encoder's fourth stride-2 convolution.
#include <cstdint>

#include "config.h"

namespace munit::model {

std::int64_t smallest_image_side(const GeneratorConfig& config);
// The smallest image every scale of a discriminator of this config takes (MUNIT issue 102): each
// scale's n_layer stride-2 convolutions need at least 2 pixels.
std::int64_t smallest_image_side(const DiscriminatorConfig& config);

}  // namespace munit::model
