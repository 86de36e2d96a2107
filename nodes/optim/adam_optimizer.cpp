#include "adam_optimizer.h"

#include <torch/torch.h>

#include "../munit/models.h"
#include "munit/errors.h"
#include "munit/node.h"
#include "munit/registry.h"
#include "munit/torch_file.h"

namespace munit::optim {

ResourceSchema AdamOptimizer::schema() {
  model::OptimizerConfig d;
  return ResourceSchema(kKind, "optimizers", "Adam (as torch.optim.Adam) over the parameters of named models")
      .param(string_list_param("models").doc("[models.*] names whose parameters it updates, in order"))
      .param(path_param("config", "").doc("official MUNIT YAML: its optimizer settings replace the numbers below"))
      .param(float_param("lr", d.lr).at_least(0).doc("learning rate"))
      .param(float_param("beta1", d.beta1).range(0, 1).doc("Adam beta1"))
      .param(float_param("beta2", d.beta2).range(0, 1).doc("Adam beta2"))
      .param(float_param("eps", 1e-8).at_least(0).doc("Adam epsilon"))
      .param(float_param("weight_decay", d.weight_decay).at_least(0).doc("L2 added to the gradient"))
      .param(string_param("lr_policy", d.lr_policy).one_of({"step", "constant"}).doc("learning-rate schedule"))
      .param(int_param("step_size", d.step_size).at_least(1).doc("step policy: iterations between decays"))
      .param(float_param("gamma", d.gamma).at_least(0).doc("step policy: the decay factor"))
      .param(path_param("state", "").doc("an official optimizer.pt to resume from (empty: fresh moments)"))
      .param(string_param("state_entry", "").one_of({"", "gen", "dis"}).doc("which entry of `state` to load"));
}

AdamOptimizer::AdamOptimizer(const ResourceContext& context) : models(context.params.get<StringList>("models")) {
  const std::string config = context.params.get<std::string>("config");
  if (!config.empty()) {
    policy = model::load_config(config).optimizer;
  } else {
    policy.lr = context.params.get<double>("lr");
    policy.beta1 = context.params.get<double>("beta1");
    policy.beta2 = context.params.get<double>("beta2");
    policy.weight_decay = context.params.get<double>("weight_decay");
    policy.lr_policy = context.params.get<std::string>("lr_policy");
    policy.step_size = context.params.get<std::int64_t>("step_size");
    policy.gamma = context.params.get<double>("gamma");
  }
  if (models.empty()) throw UserError("'models' names no model: list the [models.*] this optimizer updates");
  std::vector<at::Tensor> params;
  for (const auto& name : models) {
    const std::string kind = context.resources->kind(name);
    std::vector<at::Tensor> own;
    if (kind == model::GeneratorModel::kKind) own = context.resources->get<model::GeneratorModel>(name)->net->parameters();
    else if (kind == model::DiscriminatorModel::kKind)
      own = context.resources->get<model::DiscriminatorModel>(name)->net->parameters();
    else if (kind.empty())
      throw UserError("no model '" + name + "': declare [models." + name + "] (before this optimizer)");
    else
      throw UserError("'" + name + "' is a " + kind + ", which has no parameters to optimize");
    params.insert(params.end(), own.begin(), own.end());
  }
  model::AdamOptions options = model::AdamOptions::from(policy);
  options.eps = context.params.get<double>("eps");
  adam = std::make_unique<model::Adam>(std::move(params), options);
  if (const std::string state = context.params.get<std::string>("state"); !state.empty()) {
    const std::string entry = context.params.get<std::string>("state_entry");
    if (entry.empty()) throw UserError("'state' is set: say which entry to load with state_entry = \"gen\" or \"dis\"");
    py::Object file = load_torch_file(state);
    const py::Object* saved = file.is(py::Type::Dict) ? file.find(entry) : nullptr;
    if (!saved) throw UserError("'" + state + "' has no entry '" + entry + "' (an official optimizer.pt has 'gen' and 'dis')");
    adam->load_state_dict(*saved, "'" + state + "' ['" + entry + "']");
  }
}

}  // namespace munit::optim

MUNIT_REGISTER_RESOURCE(munit::optim::AdamOptimizer)
