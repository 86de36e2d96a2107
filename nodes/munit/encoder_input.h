#pragma once
// What a generator's encoders accept, for munit.encode and munit.encode_style: checked at
// validation from the images' static shape, and on each batch where the shape was not known.
#include <cstdint>
#include <string>
#include <string_view>

#include "munit/schema.h"
#include "munit/tensor.h"

namespace munit::model {

// Problems with the images the input port `in_port` carries for the munit.generator that the resource
// parameter `model_param` names: channels it does not have, sides too small for its paddings, and (for
// the content encoder, whose code the decoder turns back into an image) sides not divisible by
// 2^n_downsample.
void check_encoder_input(ShapeContext& shapes, std::string_view in_port, std::string_view model_param, bool content);

// UserError naming the first image when the batch's shorter side is below `smallest`.
void check_encoder_batch(const TensorBatch& in, std::int64_t smallest);

}  // namespace munit::model
