#pragma once
// munit::Image ↔ cv::Mat. Images are RGB or gray; OpenCV's codecs use BGR.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

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

// Scales so the shorter side is `size` pixels, keeping the aspect ratio; the longer side rounds down
// (torchvision's Resize(int)). `interpolation` is a cv::INTER_* flag, or kInterAuto: area when
// shrinking (close to PIL's antialiased bilinear, the official test script's), linear when growing.
inline constexpr int kInterAuto = -1;
inline cv::Mat resize_shorter_side(const cv::Mat& image, int size, int interpolation) {
  const bool wide = image.cols >= image.rows;
  const int shorter = wide ? image.rows : image.cols, longer = wide ? image.cols : image.rows;
  const int scaled = static_cast<int>(static_cast<long long>(size) * longer / shorter);
  const cv::Size target = wide ? cv::Size(scaled, size) : cv::Size(size, scaled);
  if (target == image.size()) return image.clone();
  if (interpolation == kInterAuto) interpolation = shorter > size ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::Mat out;
  cv::resize(image, out, target, 0, 0, interpolation);
  return out;
}

// A batch with `change(view, k)` applied to image k (change returns the new cv::Mat).
template <class Change>
ImageBatch transform_each(const ImageBatch& in, Change change) {
  ImageBatch out{{}, in.provenance};
  out.images.reserve(in.images.size());
  for (std::size_t k = 0; k < in.images.size(); ++k) out.images.push_back(image_from(change(view_of(in.images[k]), k)));
  return out;
}

}  // namespace munit
