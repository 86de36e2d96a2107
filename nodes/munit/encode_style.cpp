// munit.encode_style — a generator's style encoder alone: image batch → style codes, the very
// codes munit.encode's style output gives, without running the content encoder (most of
// munit.encode's work), with no autograd history. `munit styles encode` uses it for style banks.
//
//   [nodes.codes]
//   kind = "munit.encode_style"
//   model = "gen_b"
//   in = "x.out"
#include <torch/torch.h>

#include "encoder_input.h"
#include "input_size.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "models.h"

namespace munit {
namespace {

class EncodeStyle : public Node {
 public:
  static constexpr In<TensorBatch> kIn{"in"};
  static constexpr Out<TensorBatch> kStyle{"style"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models").doc("a munit.generator");
  static inline const auto kMaxBatch = param<std::int64_t>("max_batch", 0).range(0, 4096)
      .doc("images per encoder call (0: all at once). On the CPU, 1 is fastest for large images: the working set "
           "stays in cache");

  static NodeSchema schema() {
    return NodeSchema("munit.encode_style", "Style codes of images (a generator's style encoder alone).")
        .input(kIn, "images, [N, C, H, W] in [-1, 1]")
        .output(kStyle, "style codes, [N, style_dim, 1, 1]")
        .params_of(kModel, kMaxBatch)
        .parallel()
        .uses_compute()
        .in_model_region()
        .shapes_by([](ShapeContext& shapes) {
          model::check_encoder_input(shapes, kIn.name, kModel.name, false);
          if (const Params* model = shapes.resource(kModel.name))
            shapes.output(kStyle.name, {model::generator_config(*model).style_dim, 1, 1});
        });
  }

  explicit EncodeStyle(const NodeContext& context)
      : model_(context.resource(kModel)),
        max_batch_(context.params.get(kMaxBatch)),
        smallest_(model::smallest_image_side(model_->net->config())) {}

  void process(Frame& frame) override {
    torch::NoGradGuard no_grad;
    const TensorBatch& in = frame.get(kIn);
    model::check_encoder_batch(in, smallest_);
    const std::int64_t n = in.data.size(0);
    torch::Tensor styles;
    if (max_batch_ == 0 || n <= max_batch_) {
      styles = model_->net->enc_style->forward(in.data);
    } else {
      std::vector<torch::Tensor> parts;
      for (std::int64_t first = 0; first < n; first += max_batch_)
        parts.push_back(model_->net->enc_style->forward(in.data.slice(0, first, std::min(n, first + max_batch_))));
      styles = torch::cat(parts);
    }
    frame.put(kStyle, TensorBatch{styles, in.provenance});
  }

 private:
  std::shared_ptr<model::GeneratorModel> model_;
  std::int64_t max_batch_;
  std::int64_t smallest_;  // the smallest side the networks take
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::EncodeStyle)
