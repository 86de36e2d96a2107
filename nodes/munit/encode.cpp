// munit.encode — a generator's content and style encoders: image batch → content code, style code.
//
//   [nodes.enc_a]
//   kind = "munit.encode"
//   model = "gen_a"
//   in = "x_a.out"
#include <torch/torch.h>

#include "munit/registry.h"
#include "munit/tensor.h"
#include "models.h"

namespace munit {
namespace {

class Encode : public Node {
 public:
  static constexpr In<TensorBatch> kIn{"in"};
  static constexpr Out<TensorBatch> kContent{"content"};
  static constexpr Out<TensorBatch> kStyle{"style"};

  static NodeSchema schema() {
    return NodeSchema("munit.encode", "Content and style codes of images (a generator's two encoders).")
        .input(kIn, "images, [N, C, H, W] in [-1, 1]")
        .output(kContent, "content codes, [N, dim * 2^n_downsample, H / 2^n_downsample, W / 2^n_downsample]")
        .output(kStyle, "style codes, [N, style_dim, 1, 1]")
        .param(resource_param("model", "models").doc("a munit.generator"))
        .param(bool_param("grad", true).doc("record autograd history in train mode (false: a forward pass "
                                            "nothing back-propagates through, e.g. the D step's translations)"))
        .parallel()
        .uses_compute();
  }

  explicit Encode(const NodeContext& context)
      : model_(context.resources->get<model::GeneratorModel>(context.params.get<std::string>("model"))),
        grad_(context.params.get<bool>("grad")) {}

  void process(Frame& frame) override {
    torch::AutoGradMode grad_mode(grad_ && torch::GradMode::is_enabled());
    const TensorBatch& in = frame.get(kIn);
    model::Codes codes = model_->net->encode(in.data);
    frame.put(kContent, TensorBatch{codes.content, in.provenance});
    frame.put(kStyle, TensorBatch{codes.style, in.provenance});
  }

 private:
  std::shared_ptr<model::GeneratorModel> model_;
  bool grad_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Encode)
