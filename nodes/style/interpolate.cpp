// style.interpolate — `steps` styles from one style code to another, the same for every input,
// t = k / (steps - 1): on the straight line (mode = "linear", s = (1 - t) s_from + t s_to) or
// spherically (mode = "slerp", style::slerp: for prior draws, whose norms a straight line would
// shrink toward the middle). Each end is a reference image's style (from_image / to_image), a draw
// from the prior N(0, I) with a seed (from_seed / to_seed), or a style bank's entry (from_bank +
// from_pick / to_bank + to_pick). Outputs are named <input>_interp<k>.
//
//   [nodes.style]
//   kind = "style.interpolate"
//   model = "gen_b"
//   like = "x.out"
//   from_seed = 1
//   to_image = "references/boot.jpg"
//   steps = 8
//   mode = "slerp"
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "munit/errors.h"
#include "munit/registry.h"
#include "bank.h"
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
  static inline const auto kFromBank = param<std::filesystem::path>("from_bank", "")
      .doc("the first style: from this style bank, the entry from_pick names");
  static inline const auto kFromPick = param<std::string>("from_pick", "").doc("the from_bank entry");
  static inline const auto kToBank = param<std::filesystem::path>("to_bank", "")
      .doc("the last style: from this style bank, the entry to_pick names");
  static inline const auto kToPick = param<std::string>("to_pick", "").doc("the to_bank entry");
  static inline const auto kMode = choice<bool>("mode", {{"linear", false}, {"slerp", true}}, false)
      .doc("linear: the straight line; slerp: the great circle, the norm going linearly from one end's to the other's");
  static inline const auto kSize = param<int>("size", 0).range(0, 4096)
      .doc("resize reference images so the shorter side is this (0: as stored)");

  static NodeSchema schema() {
    return NodeSchema("style.interpolate", "Styles stepping from one style code to another.")
        .input(kLike, "the inputs the styles are for (their count, names and device)")
        .output(kOut, "[N * steps, style_dim, 1, 1]")
        .params_of(kModel, kFromImage, kFromSeed, kFromBank, kFromPick, kToImage, kToSeed, kToBank, kToPick, kSteps,
                   kMode, kSize)
        .parallel();
  }

  explicit StyleInterpolate(const NodeContext& context) {
    auto model = context.resource(kModel);
    const torch::Tensor first = end(*model, context, {kFromImage, kFromSeed, kFromBank, kFromPick});
    const torch::Tensor last = end(*model, context, {kToImage, kToSeed, kToBank, kToPick});
    const std::int64_t steps = context.params.get(kSteps);
    const torch::Tensor t = torch::linspace(0, 1, steps, first.options());
    const torch::Tensor path = context.params.get(kMode) ? style::slerp(first.flatten(), last.flatten(), t)
                                                         : style::lerp(first.flatten(), last.flatten(), t);
    styles_ = path.view({steps, first.size(0), 1, 1}).to(torch::Device(context.device));
    tags_ = style::numbered_tags("interp", steps);
  }

  void process(Frame& frame) override { frame.put(kOut, style::each_input_with(frame.get(kLike), styles_, tags_)); }

 private:
  struct End {
    Param<std::filesystem::path> image;
    Param<std::int64_t> seed;
    Param<std::filesystem::path> bank;
    Param<std::string> pick;
  };

  static torch::Tensor end(model::GeneratorModel& model, const NodeContext& context, const End& params) {
    const std::string image = context.params.get(params.image), bank = context.params.get(params.bank);
    const std::int64_t seed = context.params.get(params.seed);
    if (!image.empty() + (seed >= 0) + !bank.empty() != 1)
      throw UserError("give exactly one of " + std::string(params.image.name) + ", " + std::string(params.seed.name) +
                      " and " + std::string(params.bank.name));
    if (!image.empty()) return style::reference_style(model, image, context.params.get(kSize)).cpu();
    if (!bank.empty()) {
      const std::string pick = context.params.get(params.pick);
      if (pick.empty()) throw UserError(std::string(params.bank.name) + " needs " + params.pick.name + ": the entry to take");
      const style::StyleBank styles = style::load_style_bank(bank);
      styles.made_by.check_serves(model, bank, *context.log);
      if (styles.codes.size(1) != model.net->config().style_dim)
        throw UserError("'" + bank + "' holds styles of " + std::to_string(styles.codes.size(1)) +
                        " numbers; the model's style_dim is " + std::to_string(model.net->config().style_dim));
      return styles.pick({pick}, bank)[0].view({-1, 1, 1});
    }
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
    return torch::randn({model.net->config().style_dim, 1, 1}, generator, torch::kFloat);
  }

  torch::Tensor styles_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleInterpolate)
