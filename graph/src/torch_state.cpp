#include "torch_state.h"

#include <fstream>
#include <sstream>
#include <string>

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/DeviceGuard.h>
#include <torch/cuda.h>
#include <ATen/Context.h>
#include <torch/version.h>

#include "munit/errors.h"
#include "munit/executor.h"

namespace munit {
namespace {

// torch 2.4 replaced the per-device autocast setters with ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
at::ScalarType cpu_autocast_dtype() { return at::autocast::get_autocast_dtype(at::kCPU); }
void set_autocast(bool cuda, bool enabled, at::ScalarType dtype) {
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
  if (enabled) at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
}
#else
bool autocast_enabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
at::ScalarType cpu_autocast_dtype() { return at::autocast::get_autocast_cpu_dtype(); }
void set_autocast(bool cuda, bool enabled, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_enabled(enabled);
    if (enabled) at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    if (enabled) at::autocast::set_autocast_cpu_dtype(dtype);
  }
}
#endif

}  // namespace

bool cpu_bf16_autocast() { return autocast_enabled(false) && cpu_autocast_dtype() == at::kBFloat16; }

namespace {

void set_intra_op_threads(int threads) {
  // ATen sizes a thread's OpenMP team from a process-wide count on its first parallel call, which
  // another thread may have changed since: make that first call now, then set this thread's size.
  thread_local int configured = 0;
  if (configured == threads) return;
  (void)at::get_num_threads();
  at::set_num_threads(threads);
  configured = threads;
}

}  // namespace

void use_one_intra_op_thread() { set_intra_op_threads(1); }

TorchScope::TorchScope(const TorchSettings& settings, int threads) : previous_grad_(c10::GradMode::is_enabled()) {
  set_intra_op_threads(threads > 0 ? threads : settings.intra_op_threads);
  c10::GradMode::set_enabled(settings.training);
  cuda_ = settings.device.rfind("cuda", 0) == 0;
  if (cuda_) device_ = std::make_unique<c10::OptionalDeviceGuard>(c10::Device(settings.device));
  if (settings.precision != "fp32") {
    autocast_ = true;
    previous_autocast_ = autocast_enabled(cuda_);
    set_autocast(cuda_, true, settings.precision == "bf16" ? at::kBFloat16 : at::kHalf);
  }
}

TorchScope::~TorchScope() {
  device_.reset();
  c10::GradMode::set_enabled(previous_grad_);
  if (autocast_) {
    set_autocast(cuda_, previous_autocast_, at::kFloat);
    if (!previous_autocast_) at::autocast::clear_cache();
  }
}

std::string resolve_device(const std::string& device, const std::string& precision) {
  std::string resolved = device;
  if (device == "auto") resolved = torch::cuda::is_available() ? "cuda:0" : "cpu";
  if (resolved == "cuda") resolved = "cuda:0";
  if (resolved.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError("device '" + device + "' was asked for, but CUDA is not available here (a CPU-only LibTorch, "
                      "or no GPU visible): use device = \"cpu\" or \"auto\"");
    int index = std::stoi(resolved.substr(5));
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw UserError("device '" + device + "' does not exist: " + std::to_string(torch::cuda::device_count()) +
                      " CUDA device(s) visible");
  }
  if (resolved == "cpu" && precision == "fp16")
    throw UserError("precision fp16 needs a CUDA device; on the CPU use bf16 (or fp32)");
  return resolved;
}

bool cpu_computes_bf16() {
#if defined(__x86_64__)
  static const bool native = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line);
      for (std::string flag; flags >> flag;)
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      return false;
    }
    return true;  // no flags to read: assume it does rather than warn wrongly
  }();
  return native;
#else
  return true;
#endif
}

void configure_backend(const TorchSettings& settings, bool deterministic) {
  if (settings.device.rfind("cuda", 0) != 0) return;
  at::Context& context = at::globalContext();
  context.setBenchmarkCuDNN(!deterministic);
  context.setDeterministicCuDNN(deterministic);
  context.setAllowTF32CuDNN(false);
  context.setAllowTF32CuBLAS(false);
}

void synchronize_device(const TorchSettings& settings) {
  if (settings.device.rfind("cuda", 0) == 0) torch::cuda::synchronize(c10::Device(settings.device).index());
}

void seed_torch(std::uint64_t seed) { at::manual_seed(seed); }

}  // namespace munit
