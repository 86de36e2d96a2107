// data.pattern — synthetic images (random circles and rectangles on a plain background), for the
// demo and for tests that need images without files. Image i is the same on every run with the
// same seed. Frame f carries images [f·batch, (f+1)·batch); the stream ends after `count` images.
//
//   [nodes.images]
//   kind = "data.pattern"
//   count = 64
//   batch = 8
//   size = 64
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include <spdlog/fmt/fmt.h>

#include "../image_mat.h"
#include "../random.h"
#include "munit/image.h"
#include "munit/registry.h"

namespace munit {
namespace {

class Pattern : public Node {
 public:
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kCount = param<std::int64_t>("count", 64).at_least(1)
      .doc("images in all; the stream ends after the last");
  static inline const auto kBatch = param<std::int64_t>("batch", 8).range(1, 4096)
      .doc("images per frame (the last frame may hold fewer)");
  static inline const auto kSize = param<int>("size", 64).range(8, 4096).doc("height and width in pixels");
  static inline const auto kShapes = param<int>("shapes", 6).range(1, 100).doc("shapes drawn per image");
  static inline const auto kGray = param<bool>("gray", false).doc("one channel instead of three");
  static inline const auto kRepeat = param<bool>("repeat", false)
      .doc("start again after the last image instead of ending (training)");

  static NodeSchema schema() {
    return NodeSchema("data.pattern", "Synthetic images of random shapes; a source for demos and tests.")
        .output(kOut, "a batch of RGB (or gray) images")
        .shapes_by([](ShapeContext& shapes) {
          const std::int64_t size = shapes.params().get(kSize);
          shapes.output(kOut.name, {shapes.params().get(kGray) ? 1 : 3, size, size});
        })
        .params_of(kCount, kBatch, kSize, kShapes, kGray, kRepeat)
        .parallel();
  }

  explicit Pattern(const NodeContext& context)
      : count_(context.params.get(kCount)),
        batch_(context.params.get(kBatch)),
        size_(context.params.get(kSize)),
        shapes_(context.params.get(kShapes)),
        gray_(context.params.get(kGray)),
        repeat_(context.params.get(kRepeat)),
        seed_(context.seed) {}

  void process(Frame& frame) override {
    const std::int64_t first = frame.id() * batch_;
    if (!repeat_ && first >= count_) return frame.end_of_stream();
    ImageBatch batch;
    const std::int64_t end = repeat_ ? first + batch_ : std::min(count_, first + batch_);
    for (std::int64_t k = first; k < end; ++k) {
      const std::int64_t i = k % count_;
      batch.images.push_back(draw(i));
      batch.provenance.push_back(fmt::format("pattern_{:06d}", i));
    }
    frame.put(kOut, std::move(batch));
  }

 private:
  Image draw(std::int64_t index) const {
    auto rng = rng_for(seed_, index);
    std::uniform_int_distribution<int> channel(0, 255), position(0, size_ - 1), radius(size_ / 16 + 1, size_ / 4 + 1);
    auto color = [&] { return cv::Scalar(channel(rng), channel(rng), channel(rng)); };
    cv::Mat canvas(size_, size_, CV_8UC3, color());
    for (int s = 0; s < shapes_; ++s) {
      cv::Point center(position(rng), position(rng));
      int r = radius(rng);
      if (rng() % 2)
        cv::circle(canvas, center, r, color(), cv::FILLED, cv::LINE_AA);
      else
        cv::rectangle(canvas, center - cv::Point(r, r), center + cv::Point(r, r), color(), cv::FILLED);
    }
    if (gray_) cv::cvtColor(canvas, canvas, cv::COLOR_RGB2GRAY);
    return image_from(canvas);
  }

  std::int64_t count_, batch_;
  int size_, shapes_;
  bool gray_, repeat_;
  std::uint64_t seed_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Pattern)
