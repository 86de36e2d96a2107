// augment.crop — cuts a width × height window from each image: at a random place (the official
// training and test loaders' RandomCrop; image k of frame f depends only on the seed, f and k) or
// in the center.
//
//   [nodes.cropped]
//   kind = "augment.crop"
//   in = "resized.out"
//   width = 256
//   height = 256
#include <stdexcept>

#include "../image_mat.h"
#include "../random.h"
#include "munit/registry.h"

namespace munit {
namespace {

class Crop : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kWidth = param<int>("width").range(1, 4096).doc("window width in pixels");
  static inline const auto kHeight = param<int>("height").range(1, 4096).doc("window height in pixels");
  static inline const auto kRandom = choice<bool>("mode", {{"random", true}, {"center", false}}, true)
      .doc("where the window lies");

  static NodeSchema schema() {
    return NodeSchema("augment.crop", "Cuts a fixed-size window from images, at random or in the center.")
        .input(kIn, "images at least width × height")
        .output(kOut, "width × height images")
        .shapes_by([](ShapeContext& shapes) {
          shapes.output(kOut.name, {shapes.input(kIn.name).channels, shapes.params().get(kHeight),
                                    shapes.params().get(kWidth)});
        })
        .params_of(kWidth, kHeight, kRandom)
        .parallel();
  }

  explicit Crop(const NodeContext& context)
      : width_(context.params.get(kWidth)),
        height_(context.params.get(kHeight)),
        random_(context.params.get(kRandom)),
        seed_(context.seed) {}

  void process(Frame& frame) override {
    const ImageBatch& in = frame.get(kIn);
    frame.put(kOut, transform_each(in, [&](const cv::Mat& image, std::size_t k) {
      if (image.cols < width_ || image.rows < height_)
        throw std::invalid_argument("image '" + in.provenance[k] + "' is " + std::to_string(image.cols) + "x" +
                                    std::to_string(image.rows) + ", smaller than the " + std::to_string(width_) +
                                    "x" + std::to_string(height_) + " crop: resize it first (augment.resize)");
      int x = (image.cols - width_) / 2, y = (image.rows - height_) / 2;
      if (random_) {
        auto rng = rng_for(seed_, frame.id(), static_cast<std::int64_t>(k));
        y = std::uniform_int_distribution<int>(0, image.rows - height_)(rng);
        x = std::uniform_int_distribution<int>(0, image.cols - width_)(rng);
      }
      return image(cv::Rect(x, y, width_, height_));
    }));
  }

 private:
  int width_, height_;
  bool random_;
  std::uint64_t seed_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Crop)
