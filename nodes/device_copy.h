#pragma once
// Host → device copies that do not stall the host. A plain copy to a GPU from pageable memory
// waits until everything queued on the GPU has run; staged in pinned (page-locked) memory it is
// queued like a kernel and the host runs ahead. On the CPU both are plain copies.
#include <ATen/core/Tensor.h>

namespace munit {

// Options for a CPU buffer that will be sent to `device`: pinned when that is a GPU.
at::TensorOptions staging_options(const at::Device& device);

// `tensor` on `device`: asynchronous (through pinned memory) from the CPU to a GPU.
at::Tensor to_device(const at::Tensor& tensor, const at::Device& device);

}  // namespace munit
