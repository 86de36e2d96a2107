// munit.discriminate — a discriminator's raw (pre-sigmoid) patch scores for images: every scale's
// map flattened and concatenated, [N, Σ H_s·W_s]. For inspecting a trained D; the GAN losses
// (loss.gan_d, loss.gan_g) call their discriminator themselves.
//
//   [nodes.realness]
//   kind = "munit.discriminate"
//   model = "dis_b"
//   in = "x_ab.out"
#include <torch/torch.h>

#include "munit/registry.h"
#include "munit/tensor.h"
#include "models.h"

namespace munit {
namespace {

class Discriminate : public Node {
 public:
  static constexpr In<TensorBatch> kIn{"in"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kModel = resource<model::DiscriminatorModel>("model", "models")
      .doc("a munit.discriminator");

  static NodeSchema schema() {
    return NodeSchema("munit.discriminate", "A discriminator's patch scores for images, all scales.")
        .input(kIn, "images, [N, C, H, W] in [-1, 1]")
        .output(kOut, "scores, [N, Σ over scales of H_s·W_s]; LSGAN: 1 real, 0 fake")
        .params_of(kModel)
        .parallel()
        .uses_compute()
        .in_model_region();
  }

  explicit Discriminate(const NodeContext& context)
      : model_(context.resource(kModel)) {}

  void process(Frame& frame) override {
    const TensorBatch& in = frame.get(kIn);
    std::vector<torch::Tensor> maps = model_->net->forward(in.data);
    for (auto& map : maps) map = map.flatten(1);
    frame.put(kOut, TensorBatch{torch::cat(maps, 1), in.provenance});
  }

 private:
  std::shared_ptr<model::DiscriminatorModel> model_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Discriminate)
