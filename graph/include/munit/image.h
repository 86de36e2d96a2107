#pragma once
// Image batches: decoded 8-bit pixels before tensor conversion. Plain data, so plugins need no
// image library; wrap `pixels` in a cv::Mat (height, width, CV_8UC(channels)) without copying.
#include <cstdint>
#include <string>
#include <vector>

#include "munit/value.h"

namespace munit {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;                   // 1 (gray) or 3 (RGB)
  std::vector<std::uint8_t> pixels;   // row-major, channels interleaved (HWC)

  static Image blank(int height, int width, int channels) {
    Image image{height, width, channels, {}};
    image.pixels.assign(static_cast<std::size_t>(height) * width * channels, 0);
    return image;
  }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * width * channels; }
  const std::uint8_t* row(int y) const {
    return pixels.data() + static_cast<std::size_t>(y) * width * channels;
  }
};

struct ImageBatch {
  std::vector<Image> images;
  std::vector<std::string> provenance;  // one entry per image: where it came from (a file name)
};

template <>
struct ValueTraits<ImageBatch> {
  static constexpr ValueKind kind = ValueKind::Image;
};

}  // namespace munit
