#pragma once
// State dicts as PyTorch orders them (per module, depth first: its parameters, then its buffers,
// then its children) and loading one with a report of every mismatch.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "torchio/pyobject.h"

namespace munit::model {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

NamedTensors state_dict(const torch::nn::Module& module);
std::int64_t parameter_count(const torch::nn::Module& module);
// The parameters of several modules, one after the other (an optimizer's official order).
std::vector<torch::Tensor> parameters_of(std::initializer_list<const torch::nn::Module*> modules);

// An OrderedDict of the module's state, ready for save_torch_file.
py::Object state_dict_object(const torch::nn::Module& module);

struct LoadOptions {
  std::string what;  // e.g. "gen_a from 'runs/x/gen_00010000.pt' ['a']", for messages
  // Keys the module lacks that may be dropped silently (e.g. stale running statistics).
  std::function<bool(const std::string& key)> ignorable;
  // Appended to a mismatch message: what configuration would fit the file.
  std::function<std::string()> hint;
};

// Copies every tensor of `state` (a dict of name → tensor) into the module. On any missing,
// unexpected or mis-shaped key nothing is changed and a UserError lists them (first few of each,
// with counts) followed by the hint.
void load_state_dict(torch::nn::Module& module, const py::Object& state, const LoadOptions& options);

}  // namespace munit::model
