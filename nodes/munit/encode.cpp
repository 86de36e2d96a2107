// munit.encode — a generator's content and style encoders: image batch → content code, style code.
//
//   [nodes.enc_a]
//   kind = "munit.encode"
//   model = "gen_a"
//   in = "x_a.out"
//
// munit.encode_style runs the style encoder alone, where only style codes are wanted.
#include <torch/torch.h>

#include "encoder_input.h"
#include "input_size.h"
#include "munit/errors.h"
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

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models").doc("a munit.generator");
  static inline const auto kGrad = param<bool>("grad", true)
      .doc("record autograd history in train mode (false: a forward pass nothing back-propagates through, e.g. the D "
           "step's translations)");
  static inline const auto kMaxBatch = param<std::int64_t>("max_batch", 0).range(0, 4096)
      .doc("images per encoder call (0: all at once). On the CPU, 1 is fastest for large images: the working set "
           "stays in cache");

  static NodeSchema schema() {
    return NodeSchema("munit.encode", "Content and style codes of images (a generator's two encoders).")
        .input(kIn, "images, [N, C, H, W] in [-1, 1]")
        .output(kContent, "content codes, [N, dim * 2^n_downsample, H / 2^n_downsample, W / 2^n_downsample]")
        .output(kStyle, "style codes, [N, style_dim, 1, 1]")
        .params_of(kModel, kGrad, kMaxBatch)
        .parallel()
        .uses_compute()
        .in_model_region()
        .shapes_by(check_shapes);
  }

  // Images the generator cannot take fail validation (encoder_input.h).
  static void check_shapes(ShapeContext& shapes) {
    model::check_encoder_input(shapes, kIn.name, kModel.name, true);
    const Params* model = shapes.resource(kModel.name);
    if (!model) return;
    const model::GeneratorConfig g = model::generator_config(*model);
    const StaticShape in = shapes.input(kIn.name);
    const std::int64_t step = std::int64_t{1} << g.n_downsample;
    shapes.output(kContent.name, {g.dim << g.n_downsample, in.height < 0 ? -1 : in.height / step,
                                  in.width < 0 ? -1 : in.width / step});
    shapes.output(kStyle.name, {g.style_dim, 1, 1});
  }

  explicit Encode(const NodeContext& context)
      : model_(context.resource(kModel)),
        grad_(context.params.get(kGrad)),
        max_batch_(context.params.get(kMaxBatch)),
        smallest_(model::smallest_image_side(model_->net->config())) {}

  void process(Frame& frame) override {
    torch::AutoGradMode grad_mode(grad_ && torch::GradMode::is_enabled());
    const TensorBatch& in = frame.get(kIn);
    const std::int64_t n = in.data.size(0);
    model::check_encoder_batch(in, smallest_);
    model::Codes codes;
    if (max_batch_ == 0 || n <= max_batch_) {
      codes = model_->net->encode(in.data);
    } else {
      std::vector<torch::Tensor> contents, styles;
      for (std::int64_t first = 0; first < n; first += max_batch_) {
        model::Codes part = model_->net->encode(in.data.slice(0, first, std::min(n, first + max_batch_)));
        contents.push_back(part.content);
        styles.push_back(part.style);
      }
      codes = {torch::cat(contents), torch::cat(styles)};
    }
    frame.put(kContent, TensorBatch{codes.content, in.provenance});
    frame.put(kStyle, TensorBatch{codes.style, in.provenance});
  }

 private:
  std::shared_ptr<model::GeneratorModel> model_;
  bool grad_;
  std::int64_t max_batch_;
  std::int64_t smallest_;  // the smallest side the networks take
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Encode)
