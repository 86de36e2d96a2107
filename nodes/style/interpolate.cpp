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

  static NodeSchema schema() {
    return NodeSchema("style.interpolate", "Styles stepping from one style code to another.")
        .input(kLike, "the inputs the styles are for (their count, names and device)")
        .output(kOut, "[N * steps, style_dim, 1, 1]")
        .param(resource_param("model", "models").doc("a munit.generator of the target domain (style encoder, style_dim)"))
        .param(path_param("from_image", "").doc("the first style: this reference image's"))
        .param(int_param("from_seed", -1).at_least(-1).doc("the first style: a prior draw with this seed"))
        .param(path_param("to_image", "").doc("the last style: this reference image's"))
        .param(int_param("to_seed", -1).at_least(-1).doc("the last style: a prior draw with this seed"))
        .param(int_param("steps", 8).range(2, 4096).doc("styles from first to last, both included"))
        .param(int_param("size", 0).range(0, 65536).doc("resize reference images so the shorter side is this (0: as stored)"))
        .parallel();
  }

  explicit StyleInterpolate(const NodeContext& context) {
    auto model = context.resources->get<model::GeneratorModel>(context.params.get<std::string>("model"));
    const torch::Tensor first = end(*model, context, "from"), last = end(*model, context, "to");
    const std::int64_t steps = context.params.get<std::int64_t>("steps");
    const torch::Tensor t = torch::linspace(0, 1, steps, first.options()).view({steps, 1, 1, 1});
    styles_ = (first.unsqueeze(0) * (1 - t) + last.unsqueeze(0) * t).to(torch::Device(context.device));
    tags_ = style::numbered_tags("interp", steps);
  }

  void process(Frame& frame) override { frame.put(kOut, style::each_input_with(frame.get(kLike), styles_, tags_)); }

 private:
  static torch::Tensor end(model::GeneratorModel& model, const NodeContext& context, const std::string& which) {
    const std::string image = context.params.get<std::string>(which + "_image");
    const std::int64_t seed = context.params.get<std::int64_t>(which + "_seed");
    if (image.empty() == (seed < 0))
      throw UserError("give exactly one of " + which + "_image and " + which + "_seed");
    if (!image.empty()) return style::reference_style(model, image, context.params.get<int>("size")).cpu();
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
    return torch::randn({model.net->config().style_dim, 1, 1}, generator, torch::kFloat);
  }

  torch::Tensor styles_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleInterpolate)
