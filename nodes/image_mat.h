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

// A batch with `change(view, k)` applied to image k (change returns the new cv::Mat).
template <class Change>
ImageBatch transform_each(const ImageBatch& in, Change change) {
  ImageBatch out{{}, in.provenance};
  out.images.reserve(in.images.size());
  for (std::size_t k = 0; k < in.images.size(); ++k) out.images.push_back(image_from(change(view_of(in.images[k]), k)));
  return out;
}

}  // namespace munit
