#include "tensor_image.h"

#include <cstring>
#include <stdexcept>

#include <torch/torch.h>

namespace munit {

at::Tensor tensor_of(const Image& image) {
  torch::Tensor pixels = torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()),
                                          {image.height, image.width, image.channels}, torch::kUInt8);
  return pixels.permute({2, 0, 1}).to(torch::kFloat).div(127.5).sub(1.0);
}

Image image_of(const at::Tensor& chw) {
  if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3))
    throw std::invalid_argument("an image tensor must be [C, H, W] with 1 or 3 channels, not " +
                                std::to_string(chw.dim()) + "-d with size(0) " + std::to_string(chw.size(0)));
  torch::Tensor pixels =
      chw.detach().to(torch::kCPU, torch::kFloat).add(1.0).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
  pixels = pixels.permute({1, 2, 0}).contiguous();
  Image image = Image::blank(static_cast<int>(chw.size(1)), static_cast<int>(chw.size(2)), static_cast<int>(chw.size(0)));
  std::memcpy(image.pixels.data(), pixels.data_ptr<std::uint8_t>(), image.pixels.size());
  return image;
}

ImageBatch images_of(const TensorBatch& batch) {
  ImageBatch out{{}, batch.provenance};
  torch::Tensor cpu = batch.data.detach().to(torch::kCPU);  // one transfer for the whole batch
  for (std::int64_t i = 0; i < cpu.size(0); ++i) out.images.push_back(image_of(cpu[i]));
  return out;
}

}  // namespace munit
