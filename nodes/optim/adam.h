#pragma once
// Adam as torch.optim.Adam (PyTorch 1.13, amsgrad off) computes it: weight decay is added to the
// gradient (L2, not AdamW), moments are updated in place, the step is lr / (1 - beta1^t) times
// exp_avg / (sqrt(exp_avg_sq) / sqrt(1 - beta2^t) + eps). Its state converts to and from
// torch.optim.Adam's state_dict, parameters numbered in the order given.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "optimizer_config.h"
#include "torchio/pyobject.h"

namespace munit::optim {

// The defaults are OptimizerConfig's (the official values), eps torch.optim.Adam's.
struct AdamOptions {
  double lr = OptimizerConfig{}.lr;
  double beta1 = OptimizerConfig{}.beta1;
  double beta2 = OptimizerConfig{}.beta2;
  double eps = 1e-8;
  double weight_decay = OptimizerConfig{}.weight_decay;

  static AdamOptions from(const OptimizerConfig& config);
};

class Adam {
 public:
  Adam(std::vector<at::Tensor> params, AdamOptions options);

  void zero_grad();
  void step();  // parameters without a gradient are skipped, as in PyTorch

  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  double initial_lr() const { return initial_lr_; }
  const std::vector<at::Tensor>& params() const { return params_; }

  // The first and second moments and the step count of parameter i (undefined before its first step).
  struct ParamState {
    at::Tensor exp_avg, exp_avg_sq;
    std::int64_t step = 0;
  };
  const ParamState& state(std::size_t i) const { return state_.at(i); }

  // {'state': {i: {'step', 'exp_avg', 'exp_avg_sq'}}, 'param_groups': [{lr, betas, ..., 'params': [0..n-1]}]}
  py::Object state_dict() const;
  // Throws UserError (naming `what`) when the group's parameter count or a moment's shape differs.
  void load_state_dict(const py::Object& state, const std::string& what);

 private:
  std::vector<at::Tensor> params_;
  AdamOptions options_;
  double initial_lr_;
  std::vector<ParamState> state_;
};

}  // namespace munit::optim
