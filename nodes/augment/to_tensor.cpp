// augment.to_tensor — 8-bit images to a float batch [N, C, H, W] in [-1, 1] (x / 127.5 - 1, as
// the official loader's Normalize(0.5, 0.5)). All images of a batch must share one size. For a
// GPU the batch is assembled in pinned memory and copied without stalling the host; with
// [pipeline] channels_last it is laid out NHWC, the order the decoded pixels already have.
//
//   [nodes.x_a]
//   kind = "augment.to_tensor"
//   in = "crop_a.out"
#include <torch/torch.h>

#include "../device_copy.h"
#include "../tensor_image.h"
#include "munit/errors.h"
#include "munit/image.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "../static_shapes.h"

namespace munit {
namespace {

class ToTensor : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static NodeSchema schema() {
    return NodeSchema("augment.to_tensor", "Images to a float tensor batch in [-1, 1].")
        .input(kIn, "images, all of one size")
        .output(kOut, "[N, C, H, W], float32")
        .shapes_by(same_shape(std::string(kIn.name), std::string(kOut.name)))
        .parallel();
  }

  explicit ToTensor(const NodeContext& context) : device_(context.device), channels_last_(context.channels_last) {}

  void process(Frame& frame) override {
    const ImageBatch& batch = frame.get(kIn);
    if (batch.images.empty()) throw std::invalid_argument("an empty image batch");
    const Image& first = batch.images.front();
    torch::Tensor out = torch::empty({static_cast<std::int64_t>(batch.images.size()), first.channels, first.height, first.width},
                                     staging_options(device_).memory_format(channels_last_ ? torch::MemoryFormat::ChannelsLast
                                                                                           : torch::MemoryFormat::Contiguous));
    for (std::size_t i = 0; i < batch.images.size(); ++i) {
      const Image& image = batch.images[i];
      if (image.height != first.height || image.width != first.width || image.channels != first.channels) {
        auto name = [&](std::size_t k) {
          return k < batch.provenance.size() ? "'" + batch.provenance[k] + "'" : "image " + std::to_string(k);
        };
        auto size = [](const Image& of) {
          return std::to_string(of.width) + "x" + std::to_string(of.height) + "x" + std::to_string(of.channels);
        };
        throw UserError(name(i) + " is " + size(image) + ", but " + name(0) + " in the same batch is " + size(first) +
                        ": the images of a batch must have one size (munit translate: --batch 1, or inputs of one "
                        "aspect ratio; a pipeline: batch = 1, or augment.crop to one size)");
      }
      out[static_cast<std::int64_t>(i)].copy_(tensor_of(image));
    }
    frame.put(kOut, TensorBatch{to_device(out, device_), batch.provenance});
  }

 private:
  torch::Device device_;
  bool channels_last_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ToTensor)
