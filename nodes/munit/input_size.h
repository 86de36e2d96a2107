#pragma once
// The smallest image a generator of this config encodes and decodes.
#include <cstdint>

#include "config.h"

namespace munit::model {

std::int64_t smallest_image_side(const GeneratorConfig& config);

}  // namespace munit::model
