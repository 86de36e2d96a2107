// style.interpolate — `steps` styles on the straight line between two style codes, the same for
// every input: s_k = (1 - t) s_from + t s_to, t = k / (steps - 1). Each end is a reference image's
// style (from_image / to_image) or a draw from the prior N(0, I) with a seed (from_seed / to_seed).
// Outputs are named <input>_interp<k>.
//
//   [nodes.style]
//   kind = "style.interpolate"
//   model = "gen_b"
//   like = "x.out"
//   from_seed = 1
//   to_image = "references/boot.jpg"
//   steps = 8
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "munit/errors.h"
#include "munit/registry.h"
#include "styles.h"

namespace munit {
namespace {

class StyleInterpolate : public Node {
 public:
  static constexpr In<TensorBatch> kLike{"like"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models")
      .doc("a munit.generator of the target domain (style encoder, style_dim)");
  static inline const auto kFromImage = param<std::filesystem::path>("from_image", "")
      .doc("the first style: this reference image's");
  static inline const auto kFromSeed = param<std::int64_t>("from_seed", -1).at_least(-1)
      .doc("the first style: a prior draw with this seed");
  static inline const auto kToImage = param<std::filesystem::path>("to_image", "")
      .doc("the last style: this reference image's");
  static inline const auto kToSeed = param<std::int64_t>("to_seed", -1).at_least(-1)
      .doc("the last style: a prior draw with this seed");
  static inline const auto kSteps = param<std::int64_t>("steps", 8).range(2, 4096)
      .doc("styles from first to last, both included");
  static inline const auto kSize = param<int>("size", 0).range(0, 4096)
      .doc("resize reference images so the shorter side is this (0: as stored)");

  static NodeSchema schema() {
    return NodeSchema("style.interpolate", "Styles stepping from one style code to another.")
        .input(kLike, "the inputs the styles are for (their count, names and device)")
        .output(kOut, "[N * steps, style_dim, 1, 1]")
        .params_of(kModel, kFromImage, kFromSeed, kToImage, kToSeed, kSteps, kSize)
        .parallel();
  }

  explicit StyleInterpolate(const NodeContext& context) {
    auto model = context.resource(kModel);
    const torch::Tensor first = end(*model, context, kFromImage, kFromSeed);
    const torch::Tensor last = end(*model, context, kToImage, kToSeed);
    const std::int64_t steps = context.params.get(kSteps);
    const torch::Tensor t = torch::linspace(0, 1, steps, first.options()).view({steps, 1, 1, 1});
    styles_ = (first.unsqueeze(0) * (1 - t) + last.unsqueeze(0) * t).to(torch::Device(context.device));
    tags_ = style::numbered_tags("interp", steps);
  }

  void process(Frame& frame) override { frame.put(kOut, style::each_input_with(frame.get(kLike), styles_, tags_)); }

 private:
  static torch::Tensor end(model::GeneratorModel& model, const NodeContext& context,
                           Param<std::filesystem::path> image_param, Param<std::int64_t> seed_param) {
    const std::string image = context.params.get(image_param);
    const std::int64_t seed = context.params.get(seed_param);
    if (image.empty() == (seed < 0))
      throw UserError("give exactly one of " + std::string(image_param.name) + " and " + std::string(seed_param.name));
    if (!image.empty()) return style::reference_style(model, image, context.params.get(kSize)).cpu();
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
    return torch::randn({model.net->config().style_dim, 1, 1}, generator, torch::kFloat);
  }

  torch::Tensor styles_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleInterpolate)
