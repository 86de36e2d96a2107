// loss.vgg — the domain-invariant perceptual loss (the official compute_vgg_loss, vgg_w): the
// mean squared difference of instance-normalized VGG16 relu5_3 features of a translation and the
// image whose content it carries (x_ba against x_b). The VGG16 weights come from a file you name.
//
//   [nodes.vgg_a]
//   kind = "loss.vgg"
//   input = "x_ba.out"
//   target = "x_b.out"
//   weights = "models/vgg16.weight"
//   weight = 1.0           # vgg_w
#include <torch/torch.h>

#include "munit/registry.h"
#include "../munit/vgg.h"
#include "weighted.h"

namespace munit {
namespace {

class VggLoss : public Node {
 public:
  static constexpr In<TensorBatch> kInput{"input"};
  static constexpr In<TensorBatch> kTarget{"target"};

  static inline const auto kWeights = param<std::filesystem::path>("weights")
      .doc("VGG16 weights: the official vgg16.weight or torchvision's vgg16 state dict");

  static NodeSchema schema() {
    NodeSchema schema("loss.vgg", "Perceptual distance of instance-normalized VGG16 features (vgg_w).");
    schema.input(kInput, "translations, RGB in [-1, 1]")
        .input(kTarget, "the images they were translated from")
        .params_of(kWeights)
        .parallel()
        .uses_compute()
        .checks([](const Params& params) -> std::vector<ParamProblem> {
          const std::filesystem::path weights = params.get(kWeights);
          if (params.get(loss::kWeight) == 0 || std::filesystem::is_regular_file(weights)) return {};
          return {{kWeights.name, "no VGG16 weights file '" + weights.string() +
                                      "' (the official vgg16.weight, or torchvision's vgg16 state dict)"}};
        });
    return loss::with_weight(schema);
  }

  explicit VggLoss(const NodeContext& context)
      : vgg_(model::load_vgg16(context.params.get(kWeights), context.device, context.channels_last)),
        weight_(context.params.get(loss::kWeight)) {}

  void process(Frame& frame) override {
    const torch::Tensor& input = frame.get(kInput).data;
    const torch::Tensor& target = frame.get(kTarget).data;
    if (input.size(1) != 3 || target.size(1) != 3)
      throw std::invalid_argument("the VGG loss needs RGB images (3 channels); got " + std::to_string(input.size(1)) +
                                  " and " + std::to_string(target.size(1)));
    loss::put_weighted(frame, weight_, model::vgg_loss(*vgg_, input, target));
  }

 private:
  std::shared_ptr<model::Vgg16> vgg_;
  double weight_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::VggLoss)
