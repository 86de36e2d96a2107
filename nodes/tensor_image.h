#pragma once
// 8-bit images ↔ tensors in [-1, 1], the convention of the official loader and test script:
//   x = pixel / 127.5 - 1          pixel = round((x + 1) / 2 * 255), clamped to 0..255
#include <ATen/core/Tensor.h>

#include "munit/image.h"
#include "munit/tensor.h"

namespace munit {

at::Tensor tensor_of(const Image& image);        // [C, H, W] float32 on the CPU
Image image_of(const at::Tensor& chw);           // C = 1 or 3, any device and float type
ImageBatch images_of(const TensorBatch& batch);  // provenance kept

}  // namespace munit
