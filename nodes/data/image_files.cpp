#include "image_files.h"

#include <algorithm>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "munit/errors.h"
#include "read_image.h"

namespace munit::data {
namespace {

const auto kBatch = param<std::int64_t>("batch", 1).range(1, 4096)
    .doc("images per frame (the last frame of a pass may hold fewer)");
const auto kRepeat = param<bool>("repeat", false).doc("endless epochs (training) instead of one pass (inference)");
const auto kShuffle = param<bool>("shuffle", false).doc("a new seeded order every epoch instead of the sorted one");
const auto kChannels =
    choice<Channels>("channels", {{"rgb", Channels::Rgb}, {"gray", Channels::Gray}, {"keep", Channels::Keep}},
                     Channels::Rgb)
    .doc("convert every image to RGB (the official loader) or gray, or keep what the file holds");
const auto kUnreadable =
    choice<Unreadable>("unreadable", {{"skip", Unreadable::Skip}, {"error", Unreadable::Error}}, Unreadable::Skip)
    .doc("a file that does not decode: skip it with a warning, or stop the run");
const auto kDecodeThreads = param<std::int64_t>("decode_threads", 0).range(0, 1024)
    .doc("threads decoding a batch at most (the official num_workers); 0: as many as the pipeline has");

}  // namespace

NodeSchema& with_image_file_params(NodeSchema& schema) {
  return schema
      .params_of(kBatch, kRepeat, kShuffle, kChannels, kUnreadable, kDecodeThreads);
}

ImageFilesOptions image_file_options(const Params& params) {
  return {params.get(kBatch),    params.get(kRepeat),     params.get(kShuffle),
          params.get(kChannels), params.get(kUnreadable), params.get(kDecodeThreads)};
}

ImageFilesSource::ImageFilesSource(std::vector<std::string> paths, const NodeContext& context)
    : paths_(std::move(paths)),
      options_(image_file_options(context.params)),
      order_(paths_.size(), options_.shuffle, context.seed),
      log_(context.log) {
  if (paths_.empty()) throw UserError("no image files");
  if (options_.decode_threads > 0) arena_ = std::make_unique<tbb::task_arena>(static_cast<int>(options_.decode_threads));
}

void ImageFilesSource::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!unreadable_.empty() && unreadable_.size() == paths_.size())
    throw UserError("none of the " + std::to_string(paths_.size()) +
                    " image files could be read (the warnings above say why): nothing was written");
  if (!unreadable_.empty()) log_->warn("skipped {} unreadable file(s) of {}", unreadable_.size(), paths_.size());
}

void ImageFilesSource::process(Frame& frame) {
  const auto n = static_cast<std::int64_t>(paths_.size());
  const std::int64_t first = frame.id() * options_.batch;
  if (!options_.repeat && first >= n) return frame.end_of_stream();
  const std::int64_t slots = options_.repeat ? options_.batch : std::min(options_.batch, n - first);

  std::vector<std::optional<Image>> images(slots);
  std::vector<std::string> names(slots);
  const auto decode_slot = [&](std::int64_t k) {
    // One pass: an unreadable file leaves its slot empty. Endless: the slot takes the next readable
    // file in the stream's order, the same one however often it is asked.
    const std::int64_t tries = options_.repeat ? n : 1;
    for (std::int64_t t = 0; t < tries && !images[k]; ++t) {
      const std::size_t index = order_.at(first + k + t);
      images[k] = decode(index);
      names[k] = paths_[index];
    }
    if (!images[k] && options_.repeat)
      throw UserError("none of the " + std::to_string(n) + " image files could be read");
  };
  if (arena_) arena_->execute([&] { tbb::parallel_for(std::int64_t{0}, slots, decode_slot); });
  else tbb::parallel_for(std::int64_t{0}, slots, decode_slot);

  ImageBatch out;
  for (std::int64_t k = 0; k < slots; ++k) {
    if (!images[k]) continue;
    out.images.push_back(std::move(*images[k]));
    out.provenance.push_back(std::move(names[k]));
  }
  if (out.images.empty()) return frame.skip();  // one pass, every file of the batch unreadable
  frame.put(kOut, std::move(out));
}

std::optional<Image> ImageFilesSource::decode(std::size_t index) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (unreadable_.count(index)) return std::nullopt;
  }
  const std::string& path = paths_[index];
  ReadImage read = read_image(path, options_.channels);
  if (!read.image) {
    if (options_.unreadable == Unreadable::Error)
      throw UserError("cannot read image '" + path + "' (" + read.why +
                      "; unreadable = \"skip\" (munit translate: --unreadable skip) skips such files)");
    std::lock_guard<std::mutex> lock(mutex_);
    if (unreadable_.insert(index).second) log_->warn("skipping '{}': {}", path, read.why);
  }
  return std::move(read.image);
}

}  // namespace munit::data
