#include "adam.h"

#include <cmath>
#include <map>

#include <torch/torch.h>

#include "munit/errors.h"

namespace munit::optim {
namespace {

// Whether one pass of adam_in_place can update this parameter: fp32 on the CPU, its gradient and
// moments laid out as it is.
bool fits_one_pass(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg, const at::Tensor& exp_avg_sq) {
  if (!param.device().is_cpu() || !param.is_non_overlapping_and_dense()) return false;
  for (const at::Tensor* t : {&param, &grad, &exp_avg, &exp_avg_sq})
    if (t->scalar_type() != at::kFloat || !t->strides().equals(param.strides())) return false;
  return true;
}

// Adam's bias corrections after `step` steps: the update is step_size * exp_avg / (sqrt(exp_avg_sq)
// / denominator + eps).
struct Corrections {
  double step_size, denominator;
};
Corrections corrections(const AdamOptions& options, std::int64_t step) {
  const double t = static_cast<double>(step);
  return {options.lr / (1 - std::pow(options.beta1, t)), std::sqrt(1 - std::pow(options.beta2, t))};
}

// torch.optim.Adam's single-tensor arithmetic, operation for operation in fp32 as its kernels
// compute it, in one pass over memory instead of about ten.
void adam_in_place(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg, const at::Tensor& exp_avg_sq,
                   const AdamOptions& options, Corrections c) {
  float* p = param.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* m = exp_avg.data_ptr<float>();
  float* v = exp_avg_sq.data_ptr<float>();
  const float weight_decay = static_cast<float>(options.weight_decay);
  const float beta1 = static_cast<float>(options.beta1), keep1 = static_cast<float>(1 - options.beta1);
  const float beta2 = static_cast<float>(options.beta2), keep2 = static_cast<float>(1 - options.beta2);
  const float correction = static_cast<float>(c.denominator), eps = static_cast<float>(options.eps);
  const float minus_step = static_cast<float>(-c.step_size);
  const bool decay = options.weight_decay != 0;
  at::parallel_for(0, param.numel(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float gi = decay ? g[i] + weight_decay * p[i] : g[i];
      const float mi = m[i] * beta1 + keep1 * gi;
      const float vi = v[i] * beta2 + keep2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] + minus_step * mi / (std::sqrt(vi) / correction + eps);
    }
  });
  // Written through its pointer: say so, as an ATen in-place operation would (onednn_conv.h).
  param.unsafeGetTensorImpl()->bump_version();
}

}  // namespace

AdamOptions AdamOptions::from(const OptimizerConfig& config) {
  AdamOptions options;
  options.lr = config.lr;
  options.beta1 = config.beta1;
  options.beta2 = config.beta2;
  options.weight_decay = config.weight_decay;
  return options;
}

Adam::Adam(std::vector<at::Tensor> params, AdamOptions options)
    : params_(std::move(params)), options_(options), initial_lr_(options.lr), state_(params_.size()) {}

void Adam::zero_grad() {
  for (auto& p : params_) {
    at::Tensor& grad = p.mutable_grad();
    if (grad.defined()) {
      grad = grad.detach();
      grad.zero_();
    }
  }
}

void Adam::step() {
  torch::NoGradGuard no_grad;
  // fp32 parameters on the CPU are updated one by one, each in one pass. The others (a GPU's) that
  // have stepped equally often share their bias corrections, and each such group is
  // updated with multi-tensor (_foreach) kernels: a handful of kernel launches for the group rather
  // than a handful per parameter, which is what a batch-1 step on a GPU is bound by. The arithmetic
  // is torch.optim.Adam's single-tensor one, operation for operation.
  struct Group {
    std::vector<at::Tensor> params, grads, exp_avgs, exp_avg_sqs;
  };
  std::map<std::int64_t, Group> groups;  // by the step count after this step
  for (std::size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& param = params_[i];
    if (!param.grad().defined()) continue;
    ParamState& s = state_[i];
    if (!s.exp_avg.defined()) {
      s.exp_avg = torch::zeros_like(param, at::MemoryFormat::Preserve);
      s.exp_avg_sq = torch::zeros_like(param, at::MemoryFormat::Preserve);
    }
    const std::int64_t step = ++s.step;
    if (fits_one_pass(param, param.grad(), s.exp_avg, s.exp_avg_sq)) {
      adam_in_place(param, param.grad(), s.exp_avg, s.exp_avg_sq, options_, corrections(options_, step));
      continue;
    }
    Group& group = groups[step];
    group.params.push_back(param);
    group.grads.push_back(param.grad());
    group.exp_avgs.push_back(s.exp_avg);
    group.exp_avg_sqs.push_back(s.exp_avg_sq);
  }
  const double beta1 = options_.beta1, beta2 = options_.beta2;
  for (auto& [step, group] : groups) {
    const Corrections c = corrections(options_, step);
    std::vector<at::Tensor> grads = group.grads;
    if (options_.weight_decay != 0) grads = at::_foreach_add(group.grads, group.params, options_.weight_decay);
    at::_foreach_mul_(group.exp_avgs, beta1);
    at::_foreach_add_(group.exp_avgs, grads, 1 - beta1);
    at::_foreach_mul_(group.exp_avg_sqs, beta2);
    at::_foreach_addcmul_(group.exp_avg_sqs, grads, grads, 1 - beta2);
    std::vector<at::Tensor> denom = at::_foreach_sqrt(group.exp_avg_sqs);
    at::_foreach_div_(denom, c.denominator);
    at::_foreach_add_(denom, options_.eps);
    at::_foreach_addcdiv_(group.params, group.exp_avgs, denom, -c.step_size);
  }
}

py::Object Adam::state_dict() const {
  using py::Object;
  py::Entries states;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    const ParamState& s = state_[i];
    if (!s.exp_avg.defined()) continue;
    py::Entries entry;
    // PyTorch >= 1.12 keeps the step as a float tensor.
    entry.emplace_back(Object::string("step"), Object::tensor(torch::tensor(static_cast<float>(s.step))));
    entry.emplace_back(Object::string("exp_avg"), Object::tensor(s.exp_avg));
    entry.emplace_back(Object::string("exp_avg_sq"), Object::tensor(s.exp_avg_sq));
    states.emplace_back(Object::integer(static_cast<std::int64_t>(i)), Object::dict(std::move(entry)));
  }
  py::Items indices;
  for (std::size_t i = 0; i < params_.size(); ++i) indices.push_back(Object::integer(static_cast<std::int64_t>(i)));
  py::Entries group;
  auto add = [&](const char* key, Object value) { group.emplace_back(Object::string(key), std::move(value)); };
  add("lr", Object::floating(options_.lr));
  add("betas", Object::tuple({Object::floating(options_.beta1), Object::floating(options_.beta2)}));
  add("eps", Object::floating(options_.eps));
  add("weight_decay", Object::floating(options_.weight_decay));
  add("amsgrad", Object::boolean(false));
  add("maximize", Object::boolean(false));
  add("foreach", Object());
  add("capturable", Object::boolean(false));
  add("differentiable", Object::boolean(false));
  add("fused", Object::boolean(false));
  add("initial_lr", Object::floating(initial_lr_));
  add("params", Object::list(std::move(indices)));
  py::Entries root;
  root.emplace_back(Object::string("state"), Object::dict(std::move(states)));
  root.emplace_back(Object::string("param_groups"), Object::list({Object::dict(std::move(group))}));
  return Object::dict(std::move(root));
}

void Adam::load_state_dict(const py::Object& state, const std::string& what) {
  try {
    const py::Items& groups = state.at("param_groups").items();
    if (groups.size() != 1)
      throw UserError(what + ": " + std::to_string(groups.size()) + " parameter groups, MUNIT's optimizers have one");
    const py::Object& group = groups[0];
    const py::Items& indices = group.at("params").items();
    if (indices.size() != params_.size())
      throw UserError(what + ": the optimizer state covers " + std::to_string(indices.size()) +
                      " parameters, the model has " + std::to_string(params_.size()));
    if (const py::Object* amsgrad = group.find("amsgrad"); amsgrad && amsgrad->as_bool())
      throw UserError(what + ": amsgrad is not supported");
    AdamOptions options = options_;
    options.lr = group.at("lr").as_float();
    const py::Items& betas = group.at("betas").items();
    if (betas.size() != 2) throw UserError(what + ": betas must be two numbers");
    options.beta1 = betas[0].as_float();
    options.beta2 = betas[1].as_float();
    options.eps = group.at("eps").as_float();
    options.weight_decay = group.at("weight_decay").as_float();
    const py::Object* initial = group.find("initial_lr");
    double initial_lr = initial ? initial->as_float() : options.lr;

    std::vector<ParamState> states(params_.size());
    const py::Object& saved = state.at("state");
    for (std::size_t slot = 0; slot < indices.size(); ++slot) {
      const py::Object* s = saved.find(indices[slot].as_int());
      if (!s) continue;  // never stepped
      const at::Tensor& param = params_[slot];
      ParamState& target = states[slot];
      const py::Object& step = s->at("step");
      target.step = step.is(py::Type::Tensor) ? static_cast<std::int64_t>(step.as_tensor().item<double>()) : step.as_int();
      for (auto [key, field] : {std::pair{"exp_avg", &target.exp_avg}, {"exp_avg_sq", &target.exp_avg_sq}}) {
        const at::Tensor& moment = s->at(key).as_tensor();
        if (!moment.sizes().equals(param.sizes()))
          throw UserError(what + ": " + key + " of parameter " + std::to_string(slot) + " has shape " +
                          c10::str(moment.sizes()) + ", the parameter " + c10::str(param.sizes()));
        *field = torch::empty_like(param).copy_(moment);  // the parameter's device, type and layout
      }
    }
    options_ = options;
    initial_lr_ = initial_lr;
    state_ = std::move(states);
  } catch (const std::invalid_argument& e) {
    throw UserError(what + ": not a torch.optim.Adam state dict (" + e.what() + ")");
  }
}

}  // namespace munit::optim
