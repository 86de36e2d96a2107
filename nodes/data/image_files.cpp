#include "image_files.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../image_mat.h"
#include "../random.h"

namespace munit::data {

NodeSchema& with_image_file_params(NodeSchema& schema) {
  return schema
      .param(int_param("batch", 1).range(1, 65536).doc("images per frame (the last frame of a pass may hold fewer)"))
      .param(bool_param("repeat", false).doc("endless epochs (training) instead of one pass (inference)"))
      .param(bool_param("shuffle", false).doc("a new seeded order every epoch instead of the sorted one"))
      .param(string_param("channels", "rgb").one_of({"rgb", "gray", "keep"})
                 .doc("convert every image to RGB (the official loader) or gray, or keep what the file holds"))
      .param(string_param("unreadable", "skip").one_of({"skip", "error"})
                 .doc("a file that does not decode: skip it with a warning, or stop the run"));
}

ImageFilesOptions image_file_options(const Params& params) {
  return {params.get<std::int64_t>("batch"), params.get<bool>("repeat"), params.get<bool>("shuffle"),
          params.get<std::string>("channels"), params.get<std::string>("unreadable")};
}

ImageFiles::ImageFiles(std::vector<std::string> paths, ImageFilesOptions options, std::uint64_t seed,
                       std::shared_ptr<spdlog::logger> log)
    : paths_(std::move(paths)), options_(std::move(options)), seed_(seed), log_(std::move(log)) {
  if (paths_.empty()) throw std::invalid_argument("no image files");
}

std::size_t ImageFiles::unreadable_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return unreadable_.size();
}

std::optional<ImageBatch> ImageFiles::batch(std::int64_t frame) {
  const auto n = static_cast<std::int64_t>(paths_.size());
  const std::int64_t first = frame * options_.batch;
  if (!options_.repeat && first >= n) return std::nullopt;
  const std::int64_t slots = options_.repeat ? options_.batch : std::min(options_.batch, n - first);

  std::vector<std::optional<Image>> images(slots);
  std::vector<std::string> names(slots);
  tbb::parallel_for(std::int64_t{0}, slots, [&](std::int64_t k) {
    // One pass: an unreadable file leaves its slot empty. Endless: the slot takes the next readable
    // file in the stream's order, the same one however often it is asked.
    const std::int64_t tries = options_.repeat ? n : 1;
    for (std::int64_t t = 0; t < tries && !images[k]; ++t) {
      const std::size_t index = file_at(first + k + t);
      images[k] = decode(index);
      names[k] = paths_[index];
    }
    if (!images[k] && options_.repeat)
      throw std::runtime_error("none of the " + std::to_string(n) + " image files could be read");
  });

  ImageBatch out;
  for (std::int64_t k = 0; k < slots; ++k) {
    if (!images[k]) continue;
    out.images.push_back(std::move(*images[k]));
    out.provenance.push_back(std::move(names[k]));
  }
  return out;
}

std::size_t ImageFiles::file_at(std::int64_t position) {
  const auto n = static_cast<std::int64_t>(paths_.size());
  if (!options_.shuffle) return static_cast<std::size_t>(position % n);
  return (*order_of(position / n))[position % n];
}

std::shared_ptr<const std::vector<std::size_t>> ImageFiles::order_of(std::int64_t epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (epoch != cached_epoch_) {
    auto order = std::make_shared<std::vector<std::size_t>>(paths_.size());
    std::iota(order->begin(), order->end(), std::size_t{0});
    auto rng = rng_for(seed_, epoch);
    std::shuffle(order->begin(), order->end(), rng);
    cached_order_ = std::move(order);
    cached_epoch_ = epoch;
  }
  return cached_order_;
}

std::optional<Image> ImageFiles::decode(std::size_t index) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (unreadable_.count(index)) return std::nullopt;
  }
  const std::string& path = paths_[index];
  const int flags = options_.channels == "gray" ? cv::IMREAD_GRAYSCALE
                    : options_.channels == "rgb" ? cv::IMREAD_COLOR
                                                 : cv::IMREAD_UNCHANGED;
  cv::Mat mat;
  std::string why = "unreadable or corrupt";
  try {
    mat = cv::imread(path, flags);
  } catch (const cv::Exception& e) {
    why = e.what();
  }
  if (!mat.empty() && mat.depth() != CV_8U) {
    mat.convertTo(mat, CV_8U, mat.depth() == CV_16U ? 1.0 / 257 : 1.0);
  }
  if (!mat.empty() && (mat.channels() == 2 || mat.channels() > 4)) mat = cv::Mat(), why = "unsupported channel count";
  if (mat.empty()) {
    if (options_.unreadable == "error")
      throw std::runtime_error("cannot read image '" + path + "' (" + why +
                               "; set unreadable = \"skip\" to skip such files)");
    std::lock_guard<std::mutex> lock(mutex_);
    if (unreadable_.insert(index).second) log_->warn("skipping '{}': {}", path, why);
    return std::nullopt;
  }
  if (mat.channels() == 4) cv::cvtColor(mat, mat, cv::COLOR_BGRA2BGR);
  if (mat.channels() == 3) cv::cvtColor(mat, mat, cv::COLOR_BGR2RGB);
  return image_from(mat);
}

}  // namespace munit::data
