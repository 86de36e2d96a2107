// style.prior — style codes drawn from the prior N(0, I), shaped [N, style_dim, 1, 1] as MUNIT's
// decoder takes them: N = the batch of `like` times per_input. The draw depends only on the seed,
// the frame and the node, so a resumed run draws what an uninterrupted one would.
//
//   [nodes.s_a]
//   kind = "style.prior"
//   like = "x_a.out"
//   style_dim = 8
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "../random.h"
#include "munit/registry.h"
#include "munit/tensor.h"

namespace munit {
namespace {

class StylePrior : public Node {
 public:
  static constexpr In<TensorBatch> kLike{"like"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static NodeSchema schema() {
    return NodeSchema("style.prior", "Random style codes from N(0, I), one or more per input sample.")
        .input(kLike, "a batch whose size (and device) the styles follow")
        .output(kOut, "[N * per_input, style_dim, 1, 1]")
        .param(int_param("style_dim", 8).at_least(1).doc("length of a style code (gen.style_dim)"))
        .param(int_param("per_input", 1).at_least(1).doc("styles per sample of `like`, grouped by sample"))
        .parallel();
  }

  explicit StylePrior(const NodeContext& context)
      : style_dim_(context.params.get<std::int64_t>("style_dim")),
        per_input_(context.params.get<std::int64_t>("per_input")),
        seed_(context.seed) {}

  void process(Frame& frame) override {
    const TensorBatch& like = frame.get(kLike);
    const std::int64_t n = like.data.size(0) * per_input_;
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(rng_for(seed_, frame.id())());
    torch::Tensor styles = torch::randn({n, style_dim_, 1, 1}, generator, torch::kFloat).to(like.data.device());
    std::vector<std::string> provenance;
    for (const auto& name : like.provenance)
      for (std::int64_t k = 0; k < per_input_; ++k) provenance.push_back(name + "_style" + std::to_string(k));
    frame.put(kOut, TensorBatch{styles, provenance});
  }

 private:
  std::int64_t style_dim_, per_input_;
  std::uint64_t seed_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StylePrior)
