#include "device_copy.h"

#include <ATen/ATen.h>

namespace munit {

at::TensorOptions staging_options(const at::Device& device) {
  return at::TensorOptions().dtype(at::kFloat).pinned_memory(device.is_cuda());
}

at::Tensor to_device(const at::Tensor& tensor, const at::Device& device) {
  if (tensor.device() == device) return tensor;
  if (!device.is_cuda() || !tensor.is_cpu()) return tensor.to(device);
  // The caching host allocator keeps a pinned block until the copy that reads it has run.
  const at::Tensor pinned = tensor.is_pinned() ? tensor : tensor.pin_memory();
  return pinned.to(device, pinned.scalar_type(), /*non_blocking=*/true);
}

}  // namespace munit
