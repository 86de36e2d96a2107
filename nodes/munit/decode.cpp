// munit.decode — a generator's decoder: content code + style code → image. Styles and contents
// pair one to one; with k styles per content (style.prior per_input = k) each content is repeated
// k times, so one content decodes under several styles.
//
//   [nodes.fake_b]
//   kind = "munit.decode"
//   model = "gen_b"
//   content = "enc_a.content"
//   style = "s_b.out"
#include <torch/torch.h>

#include "munit/registry.h"
#include "munit/tensor.h"
#include "models.h"

namespace munit {
namespace {

class Decode : public Node {
 public:
  static constexpr In<TensorBatch> kContent{"content"};
  static constexpr In<TensorBatch> kStyle{"style"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models").doc("a munit.generator");
  static inline const auto kGrad = param<bool>("grad", true)
      .doc("record autograd history in train mode (false: a forward pass nothing back-propagates through, e.g. the D "
           "step's translations)");
  static inline const auto kUpsampling =
      choice<model::Upsampling>("upsampling",
                                {{"official", model::Upsampling::Official}, {"subpixel", model::Upsampling::Subpixel}},
                                model::Upsampling::Official)
      .doc("subpixel: the same images and gradients up to float rounding, 2.8x fewer multiply-adds in the upsampling "
           "layers (training and inference; bf16 training on the CPU keeps the official upsampling, faster there)");
  static inline const auto kMaxBatch = param<std::int64_t>("max_batch", 0).range(0, 4096)
      .doc("images per decoder call (0: all at once). On the CPU, 1 is fastest for large images: the working set "
           "stays in cache");

  static NodeSchema schema() {
    return NodeSchema("munit.decode", "Images from content and style codes (a generator's MLP and decoder).")
        .input(kContent, "content codes, [N, ...]")
        .input(kStyle, "style codes, [N * k, style_dim, 1, 1]")
        .output(kOut, "images, [N * k, C, H, W] in [-1, 1]")
        .params_of(kModel, kGrad, kUpsampling, kMaxBatch)
        .parallel()
        .uses_compute()
        .in_model_region()
        .shapes_by(check_shapes);
  }

  // Codes of another width than the decoder's fail validation.
  static void check_shapes(ShapeContext& shapes) {
    const Params* model = shapes.resource(kModel.name);
    if (!model) return;
    const model::GeneratorConfig g = model::generator_config(*model);
    const std::string of_model = "model '" + shapes.params().get(kModel) + "'";
    const StaticShape style = shapes.input(kStyle.name), content = shapes.input(kContent.name);
    if (style.channels > 0 && style.channels != g.style_dim)
      shapes.problem(std::string(kStyle.name), "'" + shapes.producer(kStyle.name) + "' gives style codes of width " +
                                      std::to_string(style.channels) + ", but " + of_model + " has style_dim " +
                                      std::to_string(g.style_dim) + ": make them equal");
    const std::int64_t channels = g.dim << g.n_downsample, step = std::int64_t{1} << g.n_downsample;
    if (content.channels > 0 && content.channels != channels)
      shapes.problem(std::string(kContent.name), "'" + shapes.producer(kContent.name) + "' gives content codes of " +
                                        std::to_string(content.channels) + " channels, but " + of_model + " takes " +
                                        std::to_string(channels) + " (dim x 2^n_downsample)");
    shapes.output(kOut.name, {g.input_dim, content.height < 0 ? -1 : content.height * step,
                              content.width < 0 ? -1 : content.width * step});
  }

  explicit Decode(const NodeContext& context)
      : model_(context.resource(kModel)),
        grad_(context.params.get(kGrad)),
        max_batch_(context.params.get(kMaxBatch)),
        upsampling_(context.params.get(kUpsampling)) {}

  void process(Frame& frame) override {
    torch::AutoGradMode grad_mode(grad_ && torch::GradMode::is_enabled());
    const TensorBatch& content = frame.get(kContent);
    const TensorBatch& style = frame.get(kStyle);
    const std::int64_t n = content.data.size(0), m = style.data.size(0);
    if (m % n != 0)
      throw std::invalid_argument(std::to_string(m) + " styles for " + std::to_string(n) +
                                  " contents: the styles must be a multiple of the contents");
    torch::Tensor contents = m == n ? content.data : content.data.repeat_interleave(m / n, 0);
    if (max_batch_ == 0 || m <= max_batch_)
      return frame.put(kOut, TensorBatch{model_->net->decode(contents, style.data, upsampling_), style.provenance});
    std::vector<torch::Tensor> images;
    for (std::int64_t first = 0; first < m; first += max_batch_) {
      const std::int64_t last = std::min(m, first + max_batch_);
      images.push_back(model_->net->decode(contents.slice(0, first, last), style.data.slice(0, first, last), upsampling_));
    }
    frame.put(kOut, TensorBatch{torch::cat(images), style.provenance});
  }

 private:
  std::shared_ptr<model::GeneratorModel> model_;
  bool grad_;
  std::int64_t max_batch_;
  model::Upsampling upsampling_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Decode)
