// io.style_bank — collects the style codes of every frame and, when the run ends, writes them to
// one style bank (style/bank.h), each named after its image: the path below `inputs` without the
// extension ("boots/0001"), or the file stem when `inputs` is empty. A run stopped by a signal
// writes nothing (a bank of some of the images would pass for the whole folder's, or replace it).
// `munit styles encode` runs it.
//
//   [nodes.bank]
//   kind = "io.style_bank"
//   in = "codes.style"
//   model = "encoder"
//   path = "styles/shoes.pt"
//   inputs = "data/shoes"
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include <torch/torch.h>

#include "../image_stem.h"
#include "../style/bank.h"
#include "munit/errors.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "output_folder.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

class StyleBankWriter : public Node {
 public:
  static constexpr In<TensorBatch> kIn{"in"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models")
      .doc("the munit.generator whose style encoder made the codes (recorded in the bank)");
  static inline const auto kPath = param<std::filesystem::path>("path").doc("the bank file to write (.pt)");
  static inline const auto kOverwrite = param<bool>("overwrite", false).doc("replace the file if it exists");
  static inline const auto kInputs = param<std::filesystem::path>("inputs", "")
      .doc("the input folder: names are paths below it without the extension (\"\": file stems)");

  static NodeSchema schema() {
    return NodeSchema("io.style_bank", "Writes the style codes of all frames to one named style bank at the end.")
        .input(kIn, "style codes [N, style_dim, 1, 1], named by their images' provenance")
        .params_of(kModel, kPath, kOverwrite, kInputs)
        .parallel()
        .checks([](const Params& params) {
          const fs::path path = params.get(kPath);
          if (!params.get(kOverwrite) && fs::exists(path))
            return std::vector<ParamProblem>{{kPath.name, "'" + path.string() + "' exists already: overwrite = true "
                                                          "(munit styles encode --overwrite) replaces it"}};
          return output_folder_problems(kPath.name, path.parent_path());
        });
  }

  explicit StyleBankWriter(const NodeContext& context)
      : model_(context.resource(kModel)),
        path_(context.params.get(kPath)),
        inputs_(context.params.get(kInputs)),
        overwrite_(context.params.get(kOverwrite)),
        interrupted_(context.interrupted),
        log_(context.log) {
    if (!path_.parent_path().empty()) prepare_output_folder(path_.parent_path());
  }

  void process(Frame& frame) override {
    const TensorBatch& in = frame.get(kIn);
    const torch::Tensor codes = in.data.detach().to(torch::kCPU, torch::kFloat).flatten(1);
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::int64_t k = 0; k < codes.size(0); ++k) {
      const std::string source = k < static_cast<std::int64_t>(in.provenance.size())
                                     ? in.provenance[k]
                                     : "frame" + std::to_string(frame.id()) + "_" + std::to_string(k);
      const std::string name = name_of(source);
      const auto [owner, fresh] = codes_.emplace(name, Entry{source, codes[k].clone()});
      if (!fresh)
        throw UserError("'" + owner->second.source + "' and '" + source + "' would both be named '" + name +
                        "' in the style bank: rename one of them, or move it to another folder");
    }
  }

  void close() override {
    if (interrupted_ && interrupted_->load()) {
      log_->warn("the run was interrupted after {} image(s): the style bank {} is not written{}", codes_.size(),
                 path_.string(), fs::exists(path_) ? " (the one there is kept)" : "");
      return;
    }
    if (codes_.empty())
      throw UserError("no style codes reached the style bank '" + path_.string() + "': there were no images to encode");
    style::StyleBank bank;
    std::vector<torch::Tensor> rows;
    for (const auto& [name, entry] : codes_) {  // sorted by name: the same bank whatever the frame order
      bank.names.push_back(name);
      rows.push_back(entry.code);
    }
    bank.codes = torch::stack(rows);
    bank.made_by = style::GeneratorIdentity::of(*model_);
    style::save_style_bank(path_, bank, overwrite_ ? Existing::replace : Existing::refuse);
    log_->info("wrote {} style codes of domain {} to {}", rows.size(), bank.made_by.domain, path_.string());
  }

 private:
  struct Entry {
    std::string source;
    torch::Tensor code;
  };

  std::string name_of(const std::string& source) const {
    if (inputs_.empty()) return image_stem(source);
    const fs::path relative = fs::path(source).lexically_relative(inputs_);
    if (relative.empty() || *relative.begin() == "..") return image_stem(source);
    return (relative.parent_path() / image_stem(source)).generic_string();
  }

  std::shared_ptr<model::GeneratorModel> model_;
  fs::path path_, inputs_;
  bool overwrite_;
  const std::atomic<bool>* interrupted_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::map<std::string, Entry> codes_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleBankWriter)
