#pragma once
// munit::Image ↔ cv::Mat. Images are RGB or gray; OpenCV's codecs use BGR.
#include <opencv2/core.hpp>

#include "munit/image.h"

namespace munit {

// A view of the image's pixels: no copy, valid while the image lives. Do not write through it.
inline cv::Mat view_of(const Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels), const_cast<std::uint8_t*>(image.pixels.data()));
}

inline Image image_from(const cv::Mat& mat) {
  CV_Assert(mat.depth() == CV_8U);
  Image image = Image::blank(mat.rows, mat.cols, mat.channels());
  cv::Mat target = view_of(image);
  mat.copyTo(target);
  return image;
}

}  // namespace munit
