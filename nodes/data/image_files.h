#pragma once
// A stream of image files in batches, shared by data.image_folder and data.file_list: the list is
// read in the given order, or, with `shuffle`, in a seeded permutation drawn anew every epoch. With
// `repeat` the epochs never end (training); without, one pass (inference). A batch's files decode
// in parallel on TBB. An unreadable file is skipped with one warning (its slot takes the next file
// in the epoch's order, so training batches stay full) or, with policy "error", stops the run.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "munit/image.h"
#include "munit/schema.h"

namespace munit::data {

struct ImageFilesOptions {
  std::int64_t batch = 1;
  bool repeat = false;
  bool shuffle = false;
  std::string channels = "rgb";      // rgb | gray | keep (as stored)
  std::string unreadable = "skip";   // skip | error
};

// The parameters above, for a node's schema.
NodeSchema& with_image_file_params(NodeSchema& schema);
ImageFilesOptions image_file_options(const Params& params);

class ImageFiles {
 public:
  ImageFiles(std::vector<std::string> paths, ImageFilesOptions options, std::uint64_t seed,
             std::shared_ptr<spdlog::logger> log);

  // The batch of frame `frame`; nothing once a one-pass stream is through.
  std::optional<ImageBatch> batch(std::int64_t frame);
  std::size_t size() const { return paths_.size(); }
  std::size_t unreadable_count() const;

 private:
  std::size_t file_at(std::int64_t position);  // position in the endless stream → index in paths_
  std::optional<Image> decode(std::size_t index);
  std::shared_ptr<const std::vector<std::size_t>> order_of(std::int64_t epoch);

  std::vector<std::string> paths_;
  ImageFilesOptions options_;
  std::uint64_t seed_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::set<std::size_t> unreadable_;
  std::int64_t cached_epoch_ = -1;
  std::shared_ptr<const std::vector<std::size_t>> cached_order_;
};

}  // namespace munit::data
