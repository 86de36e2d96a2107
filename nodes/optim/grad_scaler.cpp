#include "grad_scaler.h"

#include <ATen/ATen.h>

namespace munit::optim {

GradScaler::GradScaler(const at::Device& device, GradScalerOptions options)
    : options_(options),
      scale_(at::full({1}, options.init_scale, at::TensorOptions().dtype(at::kFloat).device(device))),
      growth_tracker_(at::zeros({1}, at::TensorOptions().dtype(at::kInt).device(device))) {}

at::Tensor GradScaler::scale(const at::Tensor& loss) const { return loss * scale_.to(loss.scalar_type()); }

at::Tensor GradScaler::unscale(const std::vector<at::Tensor>& params) const {
  std::vector<at::Tensor> grads;
  for (const auto& param : params)
    if (param.grad().defined()) grads.push_back(param.grad());
  at::Tensor found_inf = at::zeros({1}, scale_.options());
  const at::Tensor inv_scale = scale_.reciprocal();
  if (scale_.is_cuda()) {
    // One fused kernel per group of gradients, no host sync (CUDA-only in LibTorch).
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
    return found_inf;
  }
  bool non_finite = false;
  for (auto& grad : grads) {
    grad.mul_(inv_scale);
    non_finite = non_finite || !grad.isfinite().all().item<bool>();
  }
  return found_inf.fill_(non_finite ? 1.0 : 0.0);
}

void GradScaler::update(const at::Tensor& found_inf) {
  if (scale_.is_cuda()) {
    at::_amp_update_scale_(scale_, growth_tracker_, found_inf, options_.growth_factor, options_.backoff_factor,
                           options_.growth_interval);
    return;
  }
  if (found_inf.item<float>() != 0) {
    scale_.mul_(options_.backoff_factor);
    growth_tracker_.zero_();
  } else if (growth_tracker_.item<int>() + 1 == options_.growth_interval) {
    scale_.mul_(options_.growth_factor);
    growth_tracker_.zero_();
  } else {
    growth_tracker_.add_(1);
  }
}

double GradScaler::current_scale() const { return scale_.item<double>(); }

}  // namespace munit::optim
