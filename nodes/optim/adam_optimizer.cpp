#include "adam_optimizer.h"

#include <torch/torch.h>

#include "munit/errors.h"
#include "munit/node.h"
#include "munit/registry.h"
#include "munit/trainable.h"
#include "torchio/torch_file.h"
#include "../yaml_import.h"
#include "../recorded_iterations.h"

namespace munit::optim {
namespace {

const auto kModels = param<StringList>("models").doc("[models.*] names whose parameters it updates, in order");
const auto kConfig = param<std::filesystem::path>("config", "")
    .doc("official MUNIT YAML read at validation: its lr, beta1, beta2, weight_decay, lr_policy, step_size and "
         "gamma apply where this table sets none (empty: [pipeline] config, if any)");
const auto kLr = param<double>("lr", OptimizerConfig{}.lr).at_least(0).doc("learning rate");
const auto kBeta1 = param<double>("beta1", OptimizerConfig{}.beta1).range(0, 1).doc("Adam beta1");
const auto kBeta2 = param<double>("beta2", OptimizerConfig{}.beta2).range(0, 1).doc("Adam beta2");
const auto kEps = param<double>("eps", 1e-8).at_least(0).doc("Adam epsilon");
const auto kWeightDecay =
    param<double>("weight_decay", OptimizerConfig{}.weight_decay).at_least(0).doc("L2 added to the gradient");
const auto kLrPolicy = param<std::string>("lr_policy", OptimizerConfig{}.lr_policy).one_of({"step", "constant"})
    .doc("learning-rate schedule");
const auto kStepSize = param<std::int64_t>("step_size", OptimizerConfig{}.step_size).at_least(1)
    .doc("step policy: iterations between decays");
const auto kGamma = param<double>("gamma", OptimizerConfig{}.gamma).at_least(0).doc("step policy: the decay factor");
const auto kState = param<std::filesystem::path>("state", "")
    .doc("an official optimizer.pt to resume from (empty: fresh moments)");
const auto kStateEntry = param<std::string>("state_entry", "").one_of({"", "gen", "dis"})
    .doc("which entry of `state` to load");
const auto kStateIterations = param<std::int64_t>("state_iterations", -1).at_least(-1)
    .doc("the iteration count `state` must record (--resume sets it); -1: not checked");

// The parameters of the listed models, in order.
std::vector<at::Tensor> parameters_of(const StringList& models, const Resources& resources) {
  std::vector<at::Tensor> params;
  for (const auto& name : models) {
    const std::shared_ptr<Trainable> model = resources.trainable(name);
    if (!model) {
      const std::string kind = resources.kind(name);
      if (kind.empty()) throw UserError("no model '" + name + "': declare [models." + name + "] (before this optimizer)");
      throw UserError("'" + name + "' is a " + kind + ", which has no parameters to optimize");
    }
    for (auto& [param_name, tensor] : model->named_parameters()) params.push_back(tensor);
  }
  return params;
}

}  // namespace

ResourceSchema AdamOptimizer::schema() {
  return ResourceSchema(kKind, "optimizers", "Adam (as torch.optim.Adam) over the parameters of named models")
      .params_of(kModels, kConfig, kLr, kBeta1, kBeta2, kEps, kWeightDecay, kLrPolicy, kStepSize, kGamma, kState,
                 kStateEntry, kStateIterations)
      .imports({kConfig.name,
                [](const std::string& file, const std::vector<SpecEntry>&) {
                  KeyMap keys;
                  for (const char* key : kOptimizerKeys) keys.emplace_back(key, key);
                  return import_yaml(file, keys);
                }})
      .checks([](const Params& params) -> std::vector<ParamProblem> {
        const std::filesystem::path state = params.get(kState);
        if (!state.empty() && !std::filesystem::is_regular_file(state))
          return {{kState.name, "no optimizer state file '" + state.string() + "'"}};
        return {};
      });
}

AdamOptimizer::AdamOptimizer(const ResourceContext& context) : models(context.params.get(kModels)) {
  const Params& params = context.params;
  policy = {params.get(kLr),       params.get(kBeta1),    params.get(kBeta2), params.get(kWeightDecay),
            params.get(kLrPolicy), params.get(kStepSize), params.get(kGamma)};
  if (models.empty()) throw UserError("'models' names no model: list the [models.*] this optimizer updates");
  AdamOptions options = AdamOptions::from(policy);
  options.eps = params.get(kEps);
  adam = std::make_unique<Adam>(parameters_of(models, *context.resources), options);
  if (const std::filesystem::path state = params.get(kState); !state.empty()) {
    const std::string entry = params.get(kStateEntry);
    if (entry.empty()) throw UserError("'state' is set: say which entry to load with state_entry = \"gen\" or \"dis\"");
    py::Object file = load_torch_file(state);
    check_recorded_iterations(file, state, params.get(kStateIterations));
    const py::Object* saved = file.is(py::Type::Dict) ? file.find(entry) : nullptr;
    if (!saved)
      throw UserError("'" + state.string() + "' has no entry '" + entry + "' (an official optimizer.pt has 'gen' and 'dis')");
    adam->load_state_dict(*saved, "'" + state.string() + "' ['" + entry + "']");
  }
}

}  // namespace munit::optim

MUNIT_REGISTER_RESOURCE(munit::optim::AdamOptimizer)
