#include "state_dict.h"

#include <map>
#include <sstream>

#include <torch/torch.h>

#include "munit/errors.h"

namespace munit::model {
namespace {

std::string shape(const torch::Tensor& t) { return c10::str(t.sizes()); }

// "3 missing keys: a, b, c, ... (5 more)".
std::string listing(const std::string& title, const std::vector<std::string>& items, std::size_t shown = 6) {
  std::ostringstream out;
  out << "\n  " << items.size() << " " << title << ": ";
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) out << (i ? ", " : "") << items[i];
  if (items.size() > shown) out << ", ... (" << items.size() - shown << " more)";
  return out.str();
}

}  // namespace

NamedTensors state_dict(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false)) out.emplace_back(prefix + b.key(), b.value());
  }
  return out;
}

std::int64_t parameter_count(const torch::nn::Module& module) {
  std::int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

std::vector<torch::Tensor> parameters_of(std::initializer_list<const torch::nn::Module*> modules) {
  std::vector<torch::Tensor> all;
  for (const auto* module : modules)
    for (const auto& p : module->parameters()) all.push_back(p);
  return all;
}

py::Object state_dict_object(const torch::nn::Module& module) {
  py::Entries entries;
  for (auto& [name, tensor] : state_dict(module))
    entries.emplace_back(py::Object::string(name), py::Object::tensor(tensor.detach()));
  return py::Object::dict(std::move(entries), /*ordered=*/true);
}

void load_state_dict(torch::nn::Module& module, const py::Object& state, const LoadOptions& options) {
  if (!state.is(py::Type::Dict))
    throw UserError(options.what + ": expected a state dict (name → tensor), found " + state.describe());
  NamedTensors own = state_dict(module);
  std::map<std::string, torch::Tensor> wanted(own.begin(), own.end());

  std::vector<std::string> missing, unexpected, wrong_shape, not_tensors;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  std::map<std::string, bool> seen;
  for (const auto& [key_object, value] : state.entries()) {
    if (!key_object.is(py::Type::String)) {
      unexpected.push_back(key_object.describe());
      continue;
    }
    const std::string& key = key_object.as_string();
    auto it = wanted.find(key);
    if (it == wanted.end()) {
      if (!(options.ignorable && options.ignorable(key))) unexpected.push_back(key);
      continue;
    }
    seen[key] = true;
    if (!value.is(py::Type::Tensor)) {
      not_tensors.push_back(key + " (" + value.describe() + ")");
      continue;
    }
    const torch::Tensor& source = value.as_tensor();
    if (!source.sizes().equals(it->second.sizes())) {
      wrong_shape.push_back(key + " (file " + shape(source) + ", model " + shape(it->second) + ")");
      continue;
    }
    copies.emplace_back(it->second, source);
  }
  for (const auto& [key, tensor] : own)
    if (!seen.count(key)) missing.push_back(key);

  if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty() || !not_tensors.empty()) {
    std::string message = options.what + " does not fit the configured model:";
    if (!missing.empty()) message += listing("missing keys", missing);
    if (!unexpected.empty()) message += listing("unexpected keys", unexpected);
    if (!wrong_shape.empty()) message += listing("keys of another shape", wrong_shape, 4);
    if (!not_tensors.empty()) message += listing("keys that are not tensors", not_tensors);
    if (options.hint) message += "\n  " + options.hint();
    throw UserError(message);
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(source);
}

}  // namespace munit::model
