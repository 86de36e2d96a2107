// augment.channels — converts images to gray (1 channel) or RGB (3 channels, gray replicated), so
// a domain's images match its generator's input_dim.
//
//   [nodes.gray]
//   kind = "augment.channels"
//   in = "images.out"
//   to = "gray"
#include <opencv2/imgproc.hpp>

#include "../image_mat.h"
#include "munit/registry.h"

namespace munit {
namespace {

class Channels : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kTo = choice<int>("to", {{"gray", 1}, {"rgb", 3}}).doc("the channel layout wanted");

  static NodeSchema schema() {
    return NodeSchema("augment.channels", "Converts images to gray or RGB.")
        .input(kIn, "gray or RGB images")
        .output(kOut, "images with 1 (gray) or 3 (rgb) channels")
        .params_of(kTo)
        .parallel();
  }

  explicit Channels(const NodeContext& context) : channels_(context.params.get(kTo)) {}

  void process(Frame& frame) override {
    frame.put(kOut, transform_each(frame.get(kIn), [&](const cv::Mat& image, std::size_t) {
      if (image.channels() == channels_) return image;
      cv::Mat out;
      cv::cvtColor(image, out, channels_ == 1 ? cv::COLOR_RGB2GRAY : cv::COLOR_GRAY2RGB);
      return out;
    }));
  }

 private:
  int channels_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Channels)
