#include "read_image.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../image_limits.h"
#include "../image_mat.h"

namespace munit::data {

ReadImage read_image(const std::string& path, Channels channels) {
  const int flags = channels == Channels::Gray ? cv::IMREAD_GRAYSCALE
                    : channels == Channels::Rgb ? cv::IMREAD_COLOR
                                        : cv::IMREAD_UNCHANGED;
  cv::Mat mat;
  try {
    mat = cv::imread(path, flags);
  } catch (const cv::Exception& e) {
    return {std::nullopt, e.what()};
  }
  if (mat.empty()) return {std::nullopt, "unreadable or corrupt"};
  if (static_cast<std::int64_t>(mat.total()) > kMaxDecodedPixels)
    return {std::nullopt, std::to_string(mat.cols) + "x" + std::to_string(mat.rows) + " pixels, more than the " +
                              std::to_string(kMaxDecodedPixels >> 20) + " Mi pixels an image may have"};
  if (mat.depth() != CV_8U) mat.convertTo(mat, CV_8U, mat.depth() == CV_16U ? 1.0 / 257 : 1.0);
  if (mat.channels() == 2 || mat.channels() > 4) return {std::nullopt, "unsupported channel count"};
  if (mat.channels() == 4) cv::cvtColor(mat, mat, cv::COLOR_BGRA2BGR);
  if (mat.channels() == 3) cv::cvtColor(mat, mat, cv::COLOR_BGR2RGB);
  return {image_from(mat), {}};
}

}  // namespace munit::data
