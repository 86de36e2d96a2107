#pragma once
// One image file decoded to 8-bit pixels: converted to RGB or gray, or as stored ("keep"; 16-bit
// files are scaled to 8 bits, an alpha channel is dropped). On failure, no image and the reason.
#include <optional>
#include <string>

#include "munit/image.h"

namespace munit::data {

enum class Channels { Rgb, Gray, Keep };  // Keep: as stored

struct ReadImage {
  std::optional<Image> image;
  std::string why;  // when there is no image
};

ReadImage read_image(const std::string& path, Channels channels);

}  // namespace munit::data
