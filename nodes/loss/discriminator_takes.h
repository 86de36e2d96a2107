#pragma once
// The shape rule of the GAN losses (munit/schema.h, ShapeContext): images too small for every
// scale of the discriminator fail validation rather than the first frame.
#include <string>
#include <utility>
#include <vector>

#include "munit/schema.h"
#include "../munit/input_size.h"
#include "../munit/models.h"

namespace munit::loss {

// Images smaller than the discriminator's scales take fail validation.
inline ShapeRule discriminator_takes(const std::string& model, std::vector<std::string> inputs) {
  return [model, inputs](ShapeContext& shapes) {
    const Params* params = shapes.resource(model);
    if (!params) return;
    const model::DiscriminatorConfig d = model::discriminator_config(*params);
    const std::int64_t smallest = model::smallest_image_side(d);
    for (const auto& input : inputs) {
      const StaticShape in = shapes.input(input);
      for (auto [side, what] : {std::pair{in.height, "height"}, {in.width, "width"}}) {
        if (side < 0 || side >= smallest) continue;
        shapes.problem(input, "'" + shapes.producer(input) + "' gives images of " + what + " " + std::to_string(side) +
                                  ", smaller than the " + std::to_string(smallest) + " pixels model '" +
                                  shapes.params().get<std::string>(model) + "' takes (n_layer " +
                                  std::to_string(d.n_layer) + " at num_scales " + std::to_string(d.num_scales) +
                                  "): use larger images, or fewer scales or layers");
        break;
      }
    }
  };
}

}  // namespace munit::loss
