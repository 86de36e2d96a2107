#include "bank.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <zlib.h>

#include "munit/errors.h"
#include "torchio/torch_file.h"

namespace munit::style {
namespace {

constexpr const char* kFormat = "munit.style_bank";

std::uint32_t weights_crc32(const model::GeneratorModel& model) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (const auto& [name, tensor] : model.named_parameters()) {
    const torch::Tensor bytes = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(name.data()), static_cast<uInt>(name.size()));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data_ptr()), static_cast<uInt>(bytes.nbytes()));
  }
  return static_cast<std::uint32_t>(crc);
}

const py::Object& entry(const py::Object& file, const char* key, py::Type type, const std::string& path) {
  const py::Object* found = file.find(key);
  if (!found || !found->is(type))
    throw UserError("the style bank '" + path + "' has no " + type_name(type) + " '" + key +
                    "': write banks with `munit styles encode`");
  return *found;
}

}  // namespace

GeneratorIdentity GeneratorIdentity::of(const model::GeneratorModel& model) {
  return {model.domain, model.checkpoint.filename().string(), weights_crc32(model)};
}

void GeneratorIdentity::check_serves(const model::GeneratorModel& model, const std::string& what,
                                     spdlog::logger& log) const {
  if (domain != model.domain)
    throw UserError("'" + what + "' holds styles of domain " + domain + ", but the generator it is given to is of domain " +
                    model.domain + ": encode a bank of domain " + model.domain + " images (munit styles encode --domain " +
                    model.domain + ")");
  if (crc32 != weights_crc32(model))
    log.warn("'{}' was made by the generator of '{}', whose weights differ from this one's ({}): its styles may not "
             "mean what they did", what, checkpoint.empty() ? std::string("(initialized)") : checkpoint,
             model.checkpoint.empty() ? std::string("initialized") : model.checkpoint.filename().string());
}

at::Tensor StyleBank::pick(const std::vector<std::string>& picked, const std::string& file) const {
  std::vector<torch::Tensor> rows;
  for (const auto& name : picked) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      std::string some;
      for (std::size_t k = 0; k < std::min<std::size_t>(names.size(), 5); ++k) some += (k ? ", " : "") + names[k];
      throw UserError("the style bank '" + file + "' has no style named '" + name + "' (it has " +
                      std::to_string(names.size()) + ": " + some + (names.size() > 5 ? ", ..." : "") + ")");
    }
    rows.push_back(codes[found - names.begin()]);
  }
  return torch::stack(rows);
}

void save_style_bank(const std::filesystem::path& path, const StyleBank& bank, Existing existing) {
  py::Items names;
  for (const auto& name : bank.names) names.push_back(py::Object::string(name));
  const py::Object file = py::Object::dict({
      {py::Object::string("format"), py::Object::string(kFormat)},
      {py::Object::string("version"), py::Object::integer(1)},
      {py::Object::string("codes"), py::Object::tensor(bank.codes.detach().to(torch::kCPU, torch::kFloat).contiguous())},
      {py::Object::string("names"), py::Object::list(std::move(names))},
      {py::Object::string("domain"), py::Object::string(bank.made_by.domain)},
      {py::Object::string("checkpoint"), py::Object::string(bank.made_by.checkpoint)},
      {py::Object::string("generator_crc32"), py::Object::integer(bank.made_by.crc32)},
  });
  save_torch_file(path, file, existing);
}

bool is_style_bank(const py::Object& file) {
  const py::Object* format = file.is(py::Type::Dict) ? file.find("format") : nullptr;
  return format && format->is(py::Type::String) && format->as_string() == kFormat;
}

StyleBank read_style_bank(const py::Object& file, const std::string& path) {
  if (!is_style_bank(file))
    throw UserError("'" + path + "' is not a style bank (it holds " + file.describe() +
                    "): write one with `munit styles encode`");
  StyleBank bank;
  bank.codes = entry(file, "codes", py::Type::Tensor, path).as_tensor();
  for (const auto& name : entry(file, "names", py::Type::List, path).items()) {
    if (!name.is(py::Type::String)) throw UserError("the style bank '" + path + "' has a name that is not a string");
    bank.names.push_back(name.as_string());
  }
  bank.made_by.domain = entry(file, "domain", py::Type::String, path).as_string();
  bank.made_by.checkpoint = entry(file, "checkpoint", py::Type::String, path).as_string();
  bank.made_by.crc32 = static_cast<std::uint32_t>(entry(file, "generator_crc32", py::Type::Int, path).as_int());
  if (bank.codes.dim() != 2 || !bank.codes.is_floating_point() || bank.codes.size(0) == 0 ||
      bank.codes.size(0) != static_cast<std::int64_t>(bank.names.size()))
    throw UserError("the style bank '" + path + "' holds codes " + c10::str(bank.codes.sizes()) + " for " +
                    std::to_string(bank.names.size()) + " names: it needs [names, style_dim]");
  if (!torch::isfinite(bank.codes).all().item<bool>())
    throw UserError("the style bank '" + path + "' holds codes that are NaN or infinite");
  if (std::set<std::string>(bank.names.begin(), bank.names.end()).size() != bank.names.size())
    throw UserError("the style bank '" + path + "' names two styles alike");
  bank.codes = bank.codes.to(torch::kFloat);
  return bank;
}

StyleBank load_style_bank(const std::filesystem::path& path) { return read_style_bank(load_torch_file(path), path.string()); }

}  // namespace munit::style
