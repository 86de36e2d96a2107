#include "checkpoint.h"

#include <cstdio>
#include <regex>

#include <torch/torch.h>

#include <spdlog/fmt/ranges.h>

#include "munit/errors.h"
#include "../recorded_iterations.h"
#include "torchio/torch_file.h"
#include "state_dict.h"

namespace fs = std::filesystem;

namespace munit::model {
namespace {

const py::Object& entry_of(const py::Object& file, const fs::path& path, const std::string& entry) {
  if (!file.is(py::Type::Dict))
    throw UserError("'" + path.string() + "' is a torch file but not a MUNIT checkpoint: it holds " + file.describe() +
                    ", not {'a': state_dict, 'b': state_dict}");
  const py::Object* value = file.find(entry);
  if (!value) {
    std::vector<std::string> names;
    for (const auto& [k, v] : file.entries()) names.push_back(k.is(py::Type::String) ? "'" + k.as_string() + "'" : k.describe());
    const std::string keys = fmt::format("{}", fmt::join(names, ", "));
    throw UserError("'" + path.string() + "' has no entry '" + entry + "' (it has " + (keys.empty() ? "none" : keys) +
                    "); a MUNIT checkpoint has 'a' and 'b'");
  }
  return *value;
}

const torch::Tensor* tensor_at(const py::Object& state, const std::string& key) {
  if (!state.is(py::Type::Dict)) return nullptr;
  const py::Object* value = state.find(key);
  return value && value->is(py::Type::Tensor) ? &value->as_tensor() : nullptr;
}

std::int64_t count_matching(const py::Object& state, const std::regex& pattern) {
  std::int64_t n = 0;
  if (!state.is(py::Type::Dict)) return 0;
  for (const auto& [k, v] : state.entries())
    if (k.is(py::Type::String) && std::regex_match(k.as_string(), pattern)) ++n;
  return n;
}

bool has_key_matching(const py::Object& state, const std::regex& pattern) { return count_matching(state, pattern) > 0; }

// Older official releases saved running statistics of the content encoder's instance norms.
bool stale_norm_statistics(const std::string& key) {
  static const std::regex pattern(R"(enc_content\..*norm\.(running_mean|running_var|num_batches_tracked))");
  return std::regex_match(key, pattern);
}

}  // namespace

void save_pair(const fs::path& path, const torch::nn::Module& a, const torch::nn::Module& b, std::int64_t iterations) {
  py::Entries entries;
  entries.emplace_back(py::Object::string("a"), state_dict_object(a));
  entries.emplace_back(py::Object::string("b"), state_dict_object(b));
  py::Object file = py::Object::dict(std::move(entries));
  if (iterations >= 0) record_iterations(file, iterations);
  save_torch_file(path, file);
}

void save_optimizers(const fs::path& path, const Adam& gen, const Adam& dis, std::int64_t iterations) {
  py::Entries entries;
  entries.emplace_back(py::Object::string("gen"), gen.state_dict());
  entries.emplace_back(py::Object::string("dis"), dis.state_dict());
  py::Object file = py::Object::dict(std::move(entries));
  if (iterations >= 0) record_iterations(file, iterations);
  save_torch_file(path, file);
}

void load_optimizers(const fs::path& path, Adam& gen, Adam& dis) {
  load_optimizers(load_torch_file(path), path, gen, dis);
}

void load_optimizers(const py::Object& file, const fs::path& path, Adam& gen, Adam& dis) {
  if (!file.is(py::Type::Dict) || !file.find("gen") || !file.find("dis"))
    throw UserError("'" + path.string() + "' is not a MUNIT optimizer file ({'gen': ..., 'dis': ...}); it holds " +
                    file.describe());
  gen.load_state_dict(file.at("gen"), "'" + path.string() + "' ['gen']");
  dis.load_state_dict(file.at("dis"), "'" + path.string() + "' ['dis']");
}

std::string generator_fit(const py::Object& state) {
  const torch::Tensor* first = tensor_at(state, "enc_content.model.0.conv.weight");
  const torch::Tensor* mlp_in = tensor_at(state, "mlp.model.0.fc.weight");
  if (!first || !mlp_in || first->dim() != 4 || mlp_in->dim() != 2)
    return "the file does not look like a MUNIT generator (no enc_content.model.0.conv.weight / mlp.model.0.fc.weight)";
  std::int64_t n_downsample = count_matching(state, std::regex(R"(enc_content\.model\.\d+\.conv\.weight)")) - 1;
  std::int64_t n_res = count_matching(state, std::regex(R"(enc_content\.model\.\d+\.model\.\d+\.model\.0\.conv\.weight)"));
  bool prelu = has_key_matching(state, std::regex(R"(.*activation\.weight)"));
  std::string text = "the file fits: input_dim " + std::to_string(first->size(1)) + ", gen.dim " +
                     std::to_string(first->size(0)) + ", gen.style_dim " + std::to_string(mlp_in->size(1)) +
                     ", gen.mlp_dim " + std::to_string(mlp_in->size(0)) + ", gen.n_downsample " +
                     std::to_string(n_downsample) + ", gen.n_res " + std::to_string(n_res);
  return text + (prelu ? ", gen.activ prelu" : ", gen.activ other than prelu");
}

std::string discriminator_fit(const py::Object& state) {
  const torch::Tensor* first = tensor_at(state, "cnns.0.0.conv.weight");
  if (!first || first->dim() != 4) return "the file does not look like a MUNIT discriminator (no cnns.0.0.conv.weight)";
  std::int64_t scales = count_matching(state, std::regex(R"(cnns\.\d+\.0\.conv\.weight)"));
  std::int64_t layers = count_matching(state, std::regex(R"(cnns\.0\.\d+\.conv\.weight)"));
  std::string norm = has_key_matching(state, std::regex(R"(cnns\.0\.\d+\.norm\.running_mean)")) ? "bn"
                     : has_key_matching(state, std::regex(R"(cnns\.0\.\d+\.norm\.gamma)"))     ? "ln"
                                                                                              : "none or in";
  bool prelu = has_key_matching(state, std::regex(R"(.*activation\.weight)"));
  return "the file fits: input_dim " + std::to_string(first->size(1)) + ", dis.dim " + std::to_string(first->size(0)) +
         ", dis.n_layer " + std::to_string(layers) + ", dis.num_scales " + std::to_string(scales) + ", dis.norm " +
         norm + (prelu ? ", dis.activ prelu" : ", dis.activ other than prelu");
}

void load_generator(Generator& generator, const py::Object& file, const fs::path& path, const std::string& entry) {
  const py::Object& state = entry_of(file, path, entry);
  load_state_dict(*generator, state,
                  {"generator '" + entry + "' of '" + path.string() + "'", stale_norm_statistics,
                   [&] { return generator_fit(state); }});
}

void load_discriminator(Discriminator& discriminator, const py::Object& file, const fs::path& path,
                        const std::string& entry) {
  const py::Object& state = entry_of(file, path, entry);
  load_state_dict(*discriminator, state,
                  {"discriminator '" + entry + "' of '" + path.string() + "'", {}, [&] { return discriminator_fit(state); }});
}

void load_generator(Generator& generator, const fs::path& path, const std::string& entry) {
  load_generator(generator, load_torch_file(path), path, entry);
}

void load_discriminator(Discriminator& discriminator, const fs::path& path, const std::string& entry) {
  load_discriminator(discriminator, load_torch_file(path), path, entry);
}

fs::path checkpoint_path(const fs::path& dir, const std::string& kind, std::int64_t iterations) {
  return dir / fmt::format("{}_{:08d}.pt", kind, iterations);
}

std::map<std::int64_t, fs::path> numbered_files(const fs::path& dir, const std::string& kind,
                                                const std::string& extension) {
  std::map<std::int64_t, fs::path> found;
  const std::regex pattern(kind + R"(_(\d{8,18})\.)" + extension);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, pattern)) found.emplace(std::stoll(match[1].str()), entry.path());
  }
  return found;
}

std::optional<fs::path> latest_checkpoint(const fs::path& dir, const std::string& kind) {
  const auto found = numbered_files(dir, kind);
  if (found.empty()) return std::nullopt;
  return found.rbegin()->second;
}

std::int64_t iterations_of(const fs::path& checkpoint) {
  std::smatch match;
  const std::string name = checkpoint.filename().string();
  static const std::regex pattern(R"(.*_(\d+)\.pt)");
  return std::regex_match(name, match, pattern) ? std::stoll(match[1].str()) : -1;
}

}  // namespace munit::model
