#pragma once
// LibTorch's thread-local state (grad mode, autocast, intra-op threads, the current CUDA device),
// set around every node invocation because TBB runs a node on whichever worker is free. Keeps torch
// headers out of the executor.
#include <cstdint>
#include <memory>
#include <string>

namespace c10 {
class OptionalDeviceGuard;
}

namespace munit {

struct TorchSettings {
  bool training = false;
  std::string device = "cpu";      // resolved
  std::string precision = "fp32";  // fp32 | bf16 | fp16: autocast's dtype when not fp32
  int intra_op_threads = 1;
};

class TorchScope {
 public:
  // `threads` > 0 overrides settings.intra_op_threads (a compute lane's share of the cores).
  explicit TorchScope(const TorchSettings& settings, int threads = 0);
  ~TorchScope();
  TorchScope(const TorchScope&) = delete;
  TorchScope& operator=(const TorchScope&) = delete;

 private:
  bool previous_grad_;
  bool autocast_ = false;
  bool previous_autocast_ = false;
  bool cuda_ = false;
  // On CUDA the pipeline's device is the current one (and its default stream the current stream),
  // so kernels and synchronize_device() address that GPU, not GPU 0.
  std::unique_ptr<c10::OptionalDeviceGuard> device_;
};

// "auto" → "cuda:0" when a GPU is visible, else "cpu". Throws UserError for an unavailable device
// or a precision the device cannot run.
std::string resolve_device(const std::string& device, const std::string& precision);

// Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX); elsewhere bf16 runs slower than fp32.
bool cpu_computes_bf16();

// Process-wide backend switches for a run on `settings.device`: on CUDA, cuDNN's benchmark mode
// picks the fastest kernels for the fixed shapes of a pipeline (off when deterministic), and fp32
// stays IEEE fp32 (no TF32), so fp32 matches the official results; bf16/fp16 are the fast paths.
void configure_backend(const TorchSettings& settings, bool deterministic);

// Waits for the kernels queued on `settings.device` (nothing to wait for on the CPU).
void synchronize_device(const TorchSettings& settings);

void seed_torch(std::uint64_t seed);

}  // namespace munit
