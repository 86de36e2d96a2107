// munit.encode — a generator's content and style encoders: image batch → content code, style code.
//
//   [nodes.enc_a]
//   kind = "munit.encode"
//   model = "gen_a"
//   in = "x_a.out"
#include <torch/torch.h>

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

  // Images the generator cannot take fail validation: sides not divisible by 2^n_downsample (the
  // decoder would give back another size), too small for its paddings, channels it does not have.
  static void check_shapes(ShapeContext& shapes) {
    const Params* model = shapes.resource(kModel.name);
    if (!model) return;
    const model::GeneratorConfig g = model::generator_config(*model);
    const StaticShape in = shapes.input(kIn.name);
    const std::int64_t step = std::int64_t{1} << g.n_downsample, smallest = model::smallest_image_side(g);
    const std::string from = "'" + shapes.producer(kIn.name) + "'", of_model = " of model '" +
                                                                              shapes.params().get(kModel) + "'";
    for (auto [side, what] : {std::pair{in.height, "height"}, {in.width, "width"}}) {
      if (side < 0) continue;
      if (side % step != 0)
        shapes.problem(std::string(kIn.name), from + " gives images of " + what + " " + std::to_string(side) +
                                     ", not divisible by 2^n_downsample = " + std::to_string(step) + of_model +
                                     ": resize or crop them to a multiple of " + std::to_string(step));
      else if (side < smallest)
        shapes.problem(std::string(kIn.name), from + " gives images of " + what + " " + std::to_string(side) + ", smaller than the " +
                                     std::to_string(smallest) + " pixels" + of_model + " takes");
    }
    if (in.channels > 0 && in.channels != g.input_dim)
      shapes.problem(std::string(kIn.name), from + " gives images of " + std::to_string(in.channels) + " channels, but" + of_model +
                                   " has input_dim " + std::to_string(g.input_dim));
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
    if (in.data.dim() == 4 && std::min(in.data.size(2), in.data.size(3)) < smallest_)
      throw UserError("'" + (in.provenance.empty() ? std::string("the batch") : in.provenance.front()) + "' is " +
                      std::to_string(in.data.size(3)) + "x" + std::to_string(in.data.size(2)) +
                      " pixels here; the generator takes at least " + std::to_string(smallest_) +
                      " a side: resize it larger (augment.resize size, munit translate --size)");
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
