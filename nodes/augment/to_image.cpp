// augment.to_image — a float batch in [-1, 1] back to 8-bit images, pixel = round((x + 1) / 2 * 255)
// clamped (the inverse of augment.to_tensor), for io.image_writer.
//
//   [nodes.pixels]
//   kind = "augment.to_image"
//   in = "translated.out"
#include "../tensor_image.h"
#include "munit/registry.h"

namespace munit {
namespace {

class ToImage : public Node {
 public:
  static constexpr In<TensorBatch> kIn{"in"};
  static constexpr Out<ImageBatch> kOut{"out"};

  static NodeSchema schema() {
    return NodeSchema("augment.to_image", "A tensor batch in [-1, 1] to 8-bit images.")
        .input(kIn, "[N, C, H, W], C = 1 or 3")
        .output(kOut, "N images, gray or RGB")
        .parallel();
  }

  explicit ToImage(const NodeContext&) {}

  void process(Frame& frame) override { frame.put(kOut, images_of(frame.get(kIn))); }
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ToImage)
