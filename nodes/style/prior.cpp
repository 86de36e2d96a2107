// style.prior — random style codes, shaped [N, style_dim, 1, 1] as MUNIT's decoder takes them:
// N = the batch of `like` times per_input, grouped by input and named <input>_random<k>. They come
// from the official prior N(0, I), or (distribution = "fitted") from a distribution fitted to real
// images' styles (`munit styles fit`, fitted_prior.h). Truncation psi < 1 pulls each draw toward
// the centre (0 for N(0, I), the codes' mean for a fit): s = c + psi (s - c). What a draw depends
// on (`draw`):
//   frame   the seed, the frame and the node: training; a resumed run draws what an uninterrupted
//           one would
//   input   the seed and the input's name: an image gets the same styles whatever its batch or order
//   shared  the seed alone: every input gets the same per_input styles (test_batch.py --synchronized)
//
//   [nodes.s_a]
//   kind = "style.prior"
//   like = "x_a.out"
//   style_dim = 8
//   distribution = "fitted"      # optional: draws near real images' styles
//   fit = "styles/shoes_prior.pt"
//   psi = 0.7
#include <optional>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "../device_copy.h"
#include "../image_stem.h"
#include "../random.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "styles.h"
#include "../yaml_import.h"
#include "fitted_prior.h"
#include "munit/errors.h"

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

  static inline const auto kDistribution =
      choice<bool>("distribution", {{"normal", false}, {"fitted", true}}, false)
      .doc("normal: N(0, I), as MUNIT trains with; fitted: the distribution in `fit`");
  static inline const auto kFit = param<std::filesystem::path>("fit", "")
      .doc("a fitted prior (munit styles fit), for distribution = \"fitted\"");
  static inline const auto kPsi = param<double>("psi", 1.0).range(0.0, 1.0)
      .doc("truncation: 1 draws from the whole distribution, smaller pulls draws toward its centre, 0 gives the centre");

  static NodeSchema schema() {
    return NodeSchema("style.prior", "Random style codes from N(0, I) or a fitted prior, one or more per input sample.")
        .input(kLike, "a batch whose size (and device) the styles follow")
        .output(kOut, "[N * per_input, style_dim, 1, 1]")
        .params_of(kStyleDim, kPerInput, kDraw, kDistribution, kFit, kPsi)
        .parallel()
        .checks(check_fit)
        .imports({"", [](const std::string& file, const std::vector<SpecEntry>&) {
                    return file.empty() ? Imported{} : import_yaml(file, {{kStyleDim.name, "gen.style_dim"}});
                  }})
        .shapes_by([](ShapeContext& shapes) { shapes.output(kOut.name, {shapes.params().get(kStyleDim), 1, 1}); });
  }

  // A fit must be given for (and only for) distribution = "fitted", be one, and have the style width.
  static std::vector<ParamProblem> check_fit(const Params& params) {
    const std::filesystem::path fit = params.get(kFit);
    if (!params.get(kDistribution))
      return fit.empty() ? std::vector<ParamProblem>{}
                         : std::vector<ParamProblem>{{kFit.name, "is read only with distribution = \"fitted\""}};
    if (fit.empty()) return {{kFit.name, "distribution = \"fitted\" needs a fit: a file from `munit styles fit`"}};
    try {
      const std::int64_t width = style::load_fitted_prior(fit).style_dim();
      if (width != params.get(kStyleDim))
        return {{kFit.name, "'" + fit.string() + "' is fitted to style codes of " + std::to_string(width) +
                                " numbers, but style_dim is " + std::to_string(params.get(kStyleDim))}};
    } catch (const UserError& e) {
      return {{kFit.name, e.what()}};
    }
    return {};
  }

  explicit StylePrior(const NodeContext& context)
      : style_dim_(context.params.get(kStyleDim)),
        per_input_(context.params.get(kPerInput)),
        draw_(context.params.get(kDraw)),
        psi_(context.params.get(kPsi)),
        seed_(context.seed),
        tags_(style::numbered_tags("random", per_input_)) {
    if (context.params.get(kDistribution)) fit_ = style::load_fitted_prior(context.params.get(kFit));
  }

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
    const std::int64_t count = inputs * per_input_;
    if (!fit_) return torch::randn({count, style_dim_, 1, 1}, generator, torch::kFloat) * psi_;
    const torch::Tensor centre = fit_->mean;
    return (centre + psi_ * (fit_->draw(count, generator) - centre)).view({count, style_dim_, 1, 1});
  }

  std::int64_t style_dim_, per_input_;
  Draw draw_;
  double psi_;
  std::optional<style::FittedPrior> fit_;
  std::uint64_t seed_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StylePrior)
