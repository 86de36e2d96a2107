// augment.flip — mirrors each image with probability p, horizontally or vertically. Whether image
// k of frame f flips depends only on the seed, f and k.
//
//   [nodes.flipped]
//   kind = "augment.flip"
//   in = "images.out"
//   p = 0.5
#include <opencv2/core.hpp>

#include "../image_mat.h"
#include "../random.h"
#include "munit/image.h"
#include "munit/registry.h"
#include "../static_shapes.h"

namespace munit {
namespace {

class Flip : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kP = param<double>("p", 0.5).range(0, 1).doc("probability that an image is mirrored");
  // cv::flip's axis codes.
  static inline const auto kDirection = choice<int>("direction", {{"horizontal", 1}, {"vertical", 0}}, 1)
      .doc("mirror axis");

  static NodeSchema schema() {
    return NodeSchema("augment.flip", "Mirrors images at random.")
        .input(kIn, "images")
        .output(kOut, "the images, some mirrored")
        .shapes_by(same_shape(std::string(kIn.name), std::string(kOut.name)))
        .params_of(kP, kDirection)
        .parallel();
  }

  explicit Flip(const NodeContext& context)
      : p_(context.params.get(kP)),
        axis_(context.params.get(kDirection)),
        seed_(context.seed) {}

  void process(Frame& frame) override {
    const ImageBatch& in = frame.get(kIn);
    ImageBatch out{{}, in.provenance};
    for (std::size_t k = 0; k < in.images.size(); ++k) {
      auto rng = rng_for(seed_, frame.id(), static_cast<std::int64_t>(k));
      if (std::uniform_real_distribution<double>(0, 1)(rng) < p_) {
        cv::Mat flipped;
        cv::flip(view_of(in.images[k]), flipped, axis_);
        out.images.push_back(image_from(flipped));
      } else {
        out.images.push_back(in.images[k]);
      }
    }
    frame.put(kOut, std::move(out));
  }

 private:
  double p_;
  int axis_;
  std::uint64_t seed_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Flip)
