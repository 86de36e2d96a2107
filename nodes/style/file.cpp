// style.file — style codes written in a file, the same for every input. The file is a torch.save
// file holding a tensor (or a dict with one), or text with one code per line (numbers separated by
// spaces or commas; # starts a comment). Shapes [style_dim], [K, style_dim] and [K, style_dim, 1, 1]
// are accepted. Outputs are named <input>_<file stem>, or <input>_<file stem><k> for K > 1.
// A style bank (`munit styles encode`, bank.h) gives its named codes, all of them or those `pick`
// names, and outputs are named <input>_<style name>: the name translating with that reference
// image gives.
//
//   [nodes.style]
//   kind = "style.file"
//   model = "gen_b"
//   like = "x.out"
//   path = "styles/winter.txt"      # or a bank: path = "styles/boots.pt", pick = ["boot_07"]
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <torch/torch.h>

#include "munit/errors.h"
#include "munit/registry.h"
#include "torchio/torch_file.h"
#include "bank.h"
#include "styles.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

torch::Tensor read_text_styles(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError("cannot read the style file '" + path.string() + "'");
  std::vector<std::vector<float>> rows;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    for (char& c : line)
      if (c == ',') c = ' ';
    std::istringstream words(line);
    std::vector<float> row;
    for (std::string word; words >> word;) {
      const std::string where = path.string() + ":" + std::to_string(line_number) + ": '" + word + "' ";
      double value = 0;
      try {
        std::size_t used = 0;
        value = std::stod(word, &used);
        if (used != word.size()) throw std::invalid_argument(word);
      } catch (const std::out_of_range&) {
        value = HUGE_VAL;  // beyond a double: reported as out of range below
      } catch (const std::exception&) {
        throw UserError(where + "is not a number");
      }
      if (std::isnan(value) || (std::isinf(value) && word.find_first_of("iI") != std::string::npos))
        throw UserError(where + "is not a finite number: a style code is finite");
      if (std::abs(value) > std::numeric_limits<float>::max())
        throw UserError(where + "is out of range: a style code is a 32-bit float, at most 3.4e38 in magnitude");
      row.push_back(static_cast<float>(value));
    }
    if (row.empty()) continue;
    if (!rows.empty() && row.size() != rows.front().size())
      throw UserError(path.string() + ":" + std::to_string(line_number) + ": " + std::to_string(row.size()) +
                      " numbers, the first line has " + std::to_string(rows.front().size()));
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw UserError("the style file '" + path.string() + "' holds no numbers");
  torch::Tensor styles = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
  for (std::size_t k = 0; k < rows.size(); ++k)
    styles[static_cast<std::int64_t>(k)].copy_(torch::tensor(rows[k]));
  return styles;
}

torch::Tensor finite(const torch::Tensor& styles, const fs::path& path) {
  if (styles.is_floating_point() && !torch::isfinite(styles).all().item<bool>())
    throw UserError("'" + path.string() + "' holds style codes that are NaN or infinite: a style code is finite");
  return styles;
}

torch::Tensor read_torch_styles(const py::Object& file, const fs::path& path) {
  if (file.is(py::Type::Tensor)) return finite(file.as_tensor(), path);
  if (file.is(py::Type::Dict)) {
    const py::Object* only = nullptr;
    int tensors = 0;
    for (const auto& entry : file.entries())
      if (entry.second.is(py::Type::Tensor)) only = &entry.second, ++tensors;
    if (tensors != 1) only = nullptr;
    if (only) return finite(only->as_tensor(), path);
  }
  throw UserError("'" + path.string() + "' holds " + file.describe() + ", not a tensor of style codes");
}

class StyleFile : public Node {
 public:
  static constexpr In<TensorBatch> kLike{"like"};
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kModel = resource<model::GeneratorModel>("model", "models")
      .doc("the munit.generator that decodes them (checks style_dim)");
  static inline const auto kPath = param<std::filesystem::path>("path")
      .doc("a .pt/.pth torch file (a tensor, or a style bank), or a text file with one code per line");
  static inline const auto kPick = param<StringList>("pick", StringList{})
      .doc("a style bank's styles to take, by name (empty: all)");

  static NodeSchema schema() {
    return NodeSchema("style.file", "Style codes read from a file (torch or text).")
        .input(kLike, "the inputs the styles are for (their count, names and device)")
        .output(kOut, "[N * K, style_dim, 1, 1]")
        .params_of(kModel, kPath, kPick)
        .parallel();
  }

  explicit StyleFile(const NodeContext& context) {
    const fs::path path = context.params.get(kPath);
    if (!fs::is_regular_file(path)) throw UserError("the style file '" + path.string() + "' does not exist");
    const std::string extension = path.extension().string();
    const auto model = context.resource(kModel);
    const StringList pick = context.params.get(kPick);
    torch::Tensor styles;
    std::vector<std::string> names;
    if (extension == ".pt" || extension == ".pth") {
      const py::Object file = load_torch_file(path);
      if (style::is_style_bank(file)) {
        const style::StyleBank bank = style::read_style_bank(file, path.string());
        bank.made_by.check_serves(*model, path.string(), *context.log);
        names = pick.empty() ? bank.names : pick;
        styles = pick.empty() ? bank.codes : bank.pick(pick, path.string());
      } else {
        styles = read_torch_styles(file, path);
      }
    } else {
      styles = read_text_styles(path);
    }
    if (!pick.empty() && names.empty())
      throw UserError("pick names styles of a style bank, but '" + path.string() + "' is not one (munit styles encode "
                      "makes banks)");
    const std::int64_t style_dim = model->net->config().style_dim;
    if (styles.dim() == 1) styles = styles.unsqueeze(0);
    if (styles.dim() == 4 && styles.size(2) == 1 && styles.size(3) == 1) styles = styles.flatten(1);
    if (styles.dim() != 2 || styles.size(1) != style_dim)
      throw UserError("'" + path.string() + "' holds styles of shape " + c10::str(styles.sizes()) +
                      "; the model needs [" + std::to_string(style_dim) + "], [K, " + std::to_string(style_dim) +
                      "] or [K, " + std::to_string(style_dim) + ", 1, 1]");
    styles_ = styles.to(torch::Device(context.device), torch::kFloat).view({styles.size(0), style_dim, 1, 1}).contiguous();
    const std::string stem = path.stem().string();
    std::map<std::string, std::string> named;  // tag -> the style's name
    for (auto& name : names) {
      std::string tag = name;
      std::replace(tag.begin(), tag.end(), '/', '_');  // "boots/07": a tag, not a folder
      const auto [owner, fresh] = named.emplace(tag, name);
      if (!fresh)
        throw UserError("the styles '" + owner->second + "' and '" + name + "' of '" + path.string() +
                        "' would name one output file ('<input>_" + tag + "'): pick them once, or rename one image");
      name = tag;
    }
    tags_ = !names.empty()          ? names
            : styles_.size(0) == 1 ? std::vector<std::string>{stem}
                                   : style::numbered_tags(stem, styles_.size(0));
  }

  void process(Frame& frame) override { frame.put(kOut, style::each_input_with(frame.get(kLike), styles_, tags_)); }

 private:
  torch::Tensor styles_;
  std::vector<std::string> tags_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::StyleFile)
