// style.reference — style codes taken from reference images by a generator's style encoder (the
// official test script's --style): a reference file, or every image of a reference folder. With
// pair = "all" each input gets every reference's style (outputs <input>_<reference stem>); with
// pair = "name" each input gets the reference of the same stem (outputs <input>_ref).
// The references are encoded once, when the run starts.
//
//   [nodes.style]
//   kind = "style.reference"
//   model = "gen_b"                  # the target domain's generator
//   like = "x.out"
//   path = "references/boots"        # a file or a folder
//   size = 256
#include <map>

#include <torch/torch.h>

#include "../data/list_images.h"
#include "../device_copy.h"
#include "../image_stem.h"
#include "munit/errors.h"
#include "munit/registry.h"
#include "styles.h"

namespace munit {
namespace {

class StyleReference : public Node {
 public:
  static constexpr In<TensorBatch> kLike{"like"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models")
      .doc("a munit.generator of the references' domain");
  static inline const auto kPath = param<std::filesystem::path>("path")
      .doc("a reference image, or a folder of them (subfolders included)");
  static inline const auto kByName = choice<bool>("pair", {{"all", false}, {"name", true}}, false)
      .doc("all: every input with every reference; name: each input with the reference of its stem");
  static inline const auto kSize = param<int>("size", 0).range(0, 4096)
      .doc("resize references so the shorter side is this (0: as stored)");

  static NodeSchema schema() {
    return NodeSchema("style.reference", "Style codes of reference images (a generator's style encoder).")
        .input(kLike, "the inputs the styles are for (their count, names and device)")
        .output(kOut, "[N * references, style_dim, 1, 1] for pair = all, [N, ...] for pair = name")
        .params_of(kModel, kPath, kByName, kSize)
        .parallel();
  }

  explicit StyleReference(const NodeContext& context)
      : by_name_(context.params.get(kByName)) {
    auto model = context.resource(kModel);
    const std::string path = context.params.get(kPath);
    std::vector<torch::Tensor> styles;
    for (const auto& file : data::list_images(path)) {
      const std::string stem = image_stem(file);
      if (by_name_ && !by_stem_.emplace(stem, styles.size()).second)
        throw UserError("two references in '" + path + "' have the stem '" + stem + "': pair = \"name\" needs one");
      styles.push_back(style::reference_style(*model, file, context.params.get(kSize)));
      tags_.push_back(stem);
    }
    styles_ = torch::stack(styles);
    context.log->info("{} reference style(s) from {}", styles.size(), path);
  }

  void process(Frame& frame) override {
    const TensorBatch& like = frame.get(kLike);
    if (!by_name_) return frame.put(kOut, style::each_input_with(like, styles_, tags_));
    std::vector<torch::Tensor> picked;
    std::vector<std::string> names;
    for (const auto& input : like.provenance) {
      auto found = by_stem_.find(image_stem(input));
      if (found == by_stem_.end()) throw UserError("no reference named like the input '" + input + "'");
      picked.push_back(styles_[static_cast<std::int64_t>(found->second)]);
      names.push_back(styled_name(input, "ref"));
    }
    frame.put(kOut, TensorBatch{to_device(torch::stack(picked), like.data.device()), names});
  }

 private:
  bool by_name_;
  torch::Tensor styles_;            // [references, style_dim, 1, 1]
  std::vector<std::string> tags_;   // each reference's stem
  std::map<std::string, std::size_t> by_stem_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleReference)
