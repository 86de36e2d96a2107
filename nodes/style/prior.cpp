// style.prior — style codes drawn from the prior N(0, I), shaped [N, style_dim, 1, 1] as MUNIT's
// decoder takes them: N = the batch of `like` times per_input, grouped by input and named
// <input>_random<k>. What a draw depends on (`draw`):
//   frame   the seed, the frame and the node: training; a resumed run draws what an uninterrupted
//           one would
//   input   the seed and the input's name: an image gets the same styles whatever its batch or order
//   shared  the seed alone: every input gets the same per_input styles (test_batch.py --synchronized)
//
//   [nodes.s_a]
//   kind = "style.prior"
//   like = "x_a.out"
//   style_dim = 8
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "../device_copy.h"
#include "../image_stem.h"
#include "../random.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "styles.h"
#include "../yaml_import.h"

namespace munit {
namespace {

std::uint64_t hash_of(const std::string& text, std::uint64_t seed) {
  std::uint64_t hash = 1469598103934665603ull ^ seed;  // FNV-1a
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

class StylePrior : public Node {
 public:
  static constexpr In<TensorBatch> kLike{"like"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kStyleDim = param<std::int64_t>("style_dim", 8).range(1, 4096)
      .doc("length of a style code (gen.style_dim)");
  static inline const auto kPerInput = param<std::int64_t>("per_input", 1).range(1, 4096)
      .doc("styles per sample of `like`, grouped by sample");
  enum class Draw { Frame, Input, Shared };
  static inline const auto kDraw =
      choice<Draw>("draw", {{"frame", Draw::Frame}, {"input", Draw::Input}, {"shared", Draw::Shared}}, Draw::Frame)
      .doc("what the draw depends on besides the seed: the frame (training), the input's name, or nothing (the same "
           "styles for every input)");

  static NodeSchema schema() {
    return NodeSchema("style.prior", "Random style codes from N(0, I), one or more per input sample.")
        .input(kLike, "a batch whose size (and device) the styles follow")
        .output(kOut, "[N * per_input, style_dim, 1, 1]")
        .params_of(kStyleDim, kPerInput, kDraw)
        .parallel()
        .imports({"", [](const std::string& file, const std::vector<SpecEntry>&) {
                    return file.empty() ? Imported{} : import_yaml(file, {{kStyleDim.name, "gen.style_dim"}});
                  }})
        .shapes_by([](ShapeContext& shapes) { shapes.output(kOut.name, {shapes.params().get(kStyleDim), 1, 1}); });
  }

  explicit StylePrior(const NodeContext& context)
      : style_dim_(context.params.get(kStyleDim)),
        per_input_(context.params.get(kPerInput)),
        draw_(context.params.get(kDraw)),
        seed_(context.seed),
        tags_(style::numbered_tags("random", per_input_)) {}

  void process(Frame& frame) override {
    const TensorBatch& like = frame.get(kLike);
    if (draw_ == Draw::Shared) return frame.put(kOut, style::each_input_with(like, draw(seed_, 1), tags_));
    torch::Tensor styles;
    if (draw_ == Draw::Frame) {
      styles = draw(rng_for(seed_, frame.id())(), like.data.size(0));
    } else {
      std::vector<torch::Tensor> each;
      for (const auto& name : like.provenance) each.push_back(draw(hash_of(image_stem(name), seed_), 1));
      styles = torch::cat(each);
    }
    frame.put(kOut, TensorBatch{to_device(styles, like.data.device()), style::styled_names(like, tags_)});
  }

 private:
  torch::Tensor draw(std::uint64_t seed, std::int64_t inputs) const {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    return torch::randn({inputs * per_input_, style_dim_, 1, 1}, generator, torch::kFloat);
  }

  std::int64_t style_dim_, per_input_;
  Draw draw_;
  std::uint64_t seed_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StylePrior)
