#pragma once
// fp16 training's dynamic loss scale, torch.cuda.amp.GradScaler's algorithm and defaults. The loss
// is multiplied by the scale before back-propagation, so small fp16 gradients do not flush to zero,
// and the gradients are divided by it again before the optimizer step. A step whose gradients hold
// inf or NaN is skipped and the scale halved; after `growth_interval` clean steps it doubles. The
// scale and its counter live on the parameters' device, so only the skip decision reads the GPU.
#include <vector>

#include <ATen/core/Tensor.h>

namespace munit::optim {

struct GradScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int growth_interval = 2000;
};

class GradScaler {
 public:
  explicit GradScaler(const at::Device& device, GradScalerOptions options = {});

  at::Tensor scale(const at::Tensor& loss) const;
  // Divides the defined gradients of `params` by the scale. Returns a one-element float tensor on
  // the device: 1 when some gradient is inf or NaN (then the step must be skipped), else 0.
  at::Tensor unscale(const std::vector<at::Tensor>& params) const;
  // Backs off after an overflow, grows after growth_interval clean steps.
  void update(const at::Tensor& found_inf);

  double current_scale() const;  // reads the device

 private:
  GradScalerOptions options_;
  at::Tensor scale_;           // [1] float32
  at::Tensor growth_tracker_;  // [1] int32: clean steps since the last change
};

}  // namespace munit::optim
