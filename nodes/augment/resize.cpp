// augment.resize — scales each image so its shorter side is `size` pixels, keeping the aspect
// ratio (the longer side rounds down, as torchvision's Resize(int) in the official loader). An
// image that would grow past kMaxResizedPixels (image_limits.h) stops the run (exit code 2).
//
//   [nodes.resized]
//   kind = "augment.resize"
//   in = "images.out"
//   size = 256
#include "../image_limits.h"
#include "../image_mat.h"
#include "munit/registry.h"

namespace munit {
namespace {

class Resize : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kSize = param<int>("size").range(1, 4096)
      .doc("the shorter side's new length in pixels (the official new_size)");
  static inline const auto kInterpolation = choice<int>("interpolation",
                                                        {{"linear", cv::INTER_LINEAR},
                                                         {"area", cv::INTER_AREA},
                                                         {"auto", kInterAuto},
                                                         {"cubic", cv::INTER_CUBIC},
                                                         {"nearest", cv::INTER_NEAREST}},
                                                        cv::INTER_LINEAR)
      .doc("linear (the official training loader's bilinear), area (best for shrinking), auto (area to shrink, "
           "linear to grow: near PIL's antialiased bilinear), cubic or nearest");

  static NodeSchema schema() {
    return NodeSchema("augment.resize", "Scales images so the shorter side has a given length.")
        .input(kIn, "images")
        .output(kOut, "the images, resized")
        .params_of(kSize, kInterpolation)
        .parallel()
        .shapes_by([](ShapeContext& shapes) {  // known for square images only: others keep their aspect
          const StaticShape in = shapes.input(kIn.name);
          const std::int64_t size = shapes.params().get(kSize);
          const bool square = in.height > 0 && in.height == in.width;
          shapes.output(kOut.name, {in.channels, square ? size : -1, square ? size : -1});
        });
  }

  explicit Resize(const NodeContext& context)
      : size_(context.params.get(kSize)),
        interpolation_(context.params.get(kInterpolation)) {}

  void process(Frame& frame) override {
    const ImageBatch& in = frame.get(kIn);
    frame.put(kOut, transform_each(in, [&](const cv::Mat& image, std::size_t k) {
      check_resized_size(image.cols, image.rows, size_,
                         k < in.provenance.size() ? in.provenance[k] : "image " + std::to_string(k));
      return resize_shorter_side(image, size_, interpolation_);
    }));
  }

 private:
  int size_;
  int interpolation_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Resize)
