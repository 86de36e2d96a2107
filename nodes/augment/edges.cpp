// augment.edges — an edge map of each image (Canny on the gray image), drawn as dark lines on
// white like the edges of the edges2shoes / edges2handbags data sets. The output keeps the input's
// channel count, so it can stand in for a domain of the same input_dim.
//
//   [nodes.edges]
//   kind = "augment.edges"
//   in = "shoes.out"
//   low = 50
//   high = 150
#include <opencv2/imgproc.hpp>

#include "../image_mat.h"
#include "munit/registry.h"
#include "../static_shapes.h"

namespace munit {
namespace {

class Edges : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kLow = param<double>("low", 50).range(0, 1000).doc("Canny's lower hysteresis threshold");
  static inline const auto kHigh = param<double>("high", 150).range(0, 1000)
      .doc("Canny's upper hysteresis threshold");
  static inline const auto kBlur = param<double>("blur", 0).range(0, 20)
      .doc("Gaussian blur sigma before edge detection (0: none)");
  static inline const auto kInvert = param<bool>("invert", true)
      .doc("dark lines on white (false: white lines on black)");

  static NodeSchema schema() {
    return NodeSchema("augment.edges", "Edge maps of images (Canny), dark lines on white.")
        .input(kIn, "gray or RGB images")
        .output(kOut, "edge maps, as many channels as the input")
        .shapes_by(same_shape(std::string(kIn.name), std::string(kOut.name)))
        .params_of(kLow, kHigh, kBlur, kInvert)
        .parallel();
  }

  explicit Edges(const NodeContext& context)
      : low_(context.params.get(kLow)),
        high_(context.params.get(kHigh)),
        blur_(context.params.get(kBlur)),
        invert_(context.params.get(kInvert)) {}

  void process(Frame& frame) override {
    frame.put(kOut, transform_each(frame.get(kIn), [&](const cv::Mat& image, std::size_t) {
      cv::Mat gray, edges;
      if (image.channels() == 1)
        gray = image;
      else
        cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
      if (blur_ > 0) cv::GaussianBlur(gray, gray, cv::Size(), blur_);
      cv::Canny(gray, edges, low_, high_);
      if (invert_) cv::bitwise_not(edges, edges);
      if (image.channels() == 3) cv::cvtColor(edges, edges, cv::COLOR_GRAY2RGB);
      return edges;
    }));
  }

 private:
  double low_, high_, blur_;
  bool invert_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Edges)
