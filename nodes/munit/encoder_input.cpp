#include "encoder_input.h"

#include <algorithm>
#include <utility>

#include "input_size.h"
#include "models.h"
#include "munit/errors.h"

namespace munit::model {

void check_encoder_input(ShapeContext& shapes, std::string_view in_port, std::string_view model_param, bool content) {
  const std::string in(in_port), model(model_param);
  const Params* params = shapes.resource(model);
  if (!params) return;
  const GeneratorConfig g = generator_config(*params);
  const StaticShape shape = shapes.input(in);
  const std::int64_t step = std::int64_t{1} << g.n_downsample, smallest = smallest_image_side(g);
  const std::string from = "'" + shapes.producer(in) + "'", of_model = " of model '" + shapes.params().get<std::string>(model) + "'";
  for (auto [side, what] : {std::pair{shape.height, "height"}, {shape.width, "width"}}) {
    if (side < 0) continue;
    if (content && side % step != 0)
      shapes.problem(in, from + " gives images of " + what + " " + std::to_string(side) +
                             ", not divisible by 2^n_downsample = " + std::to_string(step) + of_model +
                             ": resize or crop them to a multiple of " + std::to_string(step));
    else if (side < smallest)
      shapes.problem(in, from + " gives images of " + what + " " + std::to_string(side) + ", smaller than the " +
                             std::to_string(smallest) + " pixels" + of_model + " takes");
  }
  if (shape.channels > 0 && shape.channels != g.input_dim)
    shapes.problem(in, from + " gives images of " + std::to_string(shape.channels) + " channels, but" + of_model +
                           " has input_dim " + std::to_string(g.input_dim));
}

void check_encoder_batch(const TensorBatch& in, std::int64_t smallest) {
  if (in.data.dim() == 4 && std::min(in.data.size(2), in.data.size(3)) < smallest)
    throw UserError("'" + (in.provenance.empty() ? std::string("the batch") : in.provenance.front()) + "' is " +
                    std::to_string(in.data.size(3)) + "x" + std::to_string(in.data.size(2)) +
                    " pixels here; the generator takes at least " + std::to_string(smallest) +
                    " a side: resize it larger (augment.resize size, munit translate --size)");
}

}  // namespace munit::model
