#pragma once
// A stream of image files in batches, shared by data.image_folder and data.file_list: the list is
// read in the given order, or, with `shuffle`, in a seeded permutation drawn anew every epoch
// (epoch_order.h). With
// `repeat` the epochs never end (training); without, one pass (inference). A batch's files decode
// in parallel on TBB. An unreadable file is skipped with one warning (its slot takes the next file
// in the epoch's order, so training batches stay full; in one pass, a batch left with no image
// skips its frame) or, with policy "error", stops the run.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <oneapi/tbb/task_arena.h>
#include <spdlog/logger.h>

#include "munit/image.h"
#include "epoch_order.h"
#include "read_image.h"
#include "munit/node.h"
#include "munit/schema.h"

namespace munit::data {

enum class Unreadable { Skip, Error };  // a file that does not decode: warn and go on, or stop

struct ImageFilesOptions {
  std::int64_t batch = 1;
  bool repeat = false;
  bool shuffle = false;
  Channels channels = Channels::Rgb;
  Unreadable unreadable = Unreadable::Skip;
  std::int64_t decode_threads = 0;  // 0: the pipeline's threads
};

// The parameters above, for a node's schema.
NodeSchema& with_image_file_params(NodeSchema& schema);
ImageFilesOptions image_file_options(const Params& params);

// What data.image_folder and data.file_list share: they differ only in how they list `paths`.
class ImageFilesSource : public Node {
 public:
  static constexpr Out<ImageBatch> kOut{"out"};

  ImageFilesSource(std::vector<std::string> paths, const NodeContext& context);
  void process(Frame& frame) override;  // frame f: positions [f·batch, (f+1)·batch) of the stream
  void close() override;                // the count of unreadable files, if any

 private:
  std::optional<Image> decode(std::size_t index);

  std::vector<std::string> paths_;
  ImageFilesOptions options_;
  EpochOrder order_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::set<std::size_t> unreadable_;
  std::unique_ptr<tbb::task_arena> arena_;  // decode_threads > 0: decoding is limited to it
};

}  // namespace munit::data
