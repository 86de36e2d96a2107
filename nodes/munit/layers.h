#pragma once
// The building blocks of the official MUNIT networks (networks.py), as LibTorch modules whose
// registered names and order mirror the official ones, so state dicts match key for key and the
// optimizer's parameter order is the official one.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "onednn_conv.h"

namespace munit::model {

enum class Activation { ReLU, LeakyReLU, PReLU, SELU, Tanh, None };
enum class Norm { None, Batch, Instance, Layer, AdaIN };
enum class Padding { Reflect, Replicate, Zero };

// From the official config spellings ("lrelu", "bn", "reflect", ...); throw std::invalid_argument.
Activation activation_from(const std::string& name);
Norm norm_from(const std::string& name);
Padding padding_from(const std::string& name);

// A module whose children are named "0", "1", ... like the official nn.Sequential containers.
// skip() takes an index for a layer without state (pooling, upsampling), which needs no module.
class IndexedImpl : public torch::nn::Module {
 public:
  template <class M>
  M add(M module) {
    register_module(std::to_string(size_++), module);
    return module;
  }
  void skip() { ++size_; }

 private:
  std::int64_t size_ = 0;
};
TORCH_MODULE(Indexed);

// The official LayerNorm: per sample over all of C, H, W, divided by the *unbiased* standard
// deviation plus eps (not the variance under the root as torch.nn.LayerNorm), with a per-channel
// affine (gamma drawn uniform in [0, 1) at construction, beta zero).
class LayerNormImpl : public torch::nn::Module {
 public:
  explicit LayerNormImpl(std::int64_t features, double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor gamma, beta;

 private:
  double eps_;
};
TORCH_MODULE(LayerNorm);

// AdaIN's per-sample scale and shift, handed from the MLP output to the decoder's norms in the
// official order: for each AdaIN layer, its C means (shift) and then its C stds (scale).
class AdainParams {
 public:
  explicit AdainParams(torch::Tensor params) : params_(std::move(params)) {}
  // Returns {weight, bias} of shape [batch * features].
  std::pair<torch::Tensor, torch::Tensor> take(std::int64_t features);
  std::int64_t remaining() const { return params_.size(1) - offset_; }

 private:
  torch::Tensor params_;
  std::int64_t offset_ = 0;
};

// Instance norm whose affine parameters come per sample from AdainParams. The running statistics
// are never used; they exist because the official state dicts carry them.
class AdaptiveInstanceNormImpl : public torch::nn::Module {
 public:
  explicit AdaptiveInstanceNormImpl(std::int64_t features, double eps = 1e-5, double momentum = 0.1);
  torch::Tensor forward(const torch::Tensor& x, AdainParams& params);
  std::int64_t features() const { return features_; }

  torch::Tensor running_mean, running_var;

 private:
  std::int64_t features_;
  double eps_, momentum_;
};
TORCH_MODULE(AdaptiveInstanceNorm);

struct Conv2dBlockOptions {
  std::int64_t in, out, kernel, stride, padding;
  Norm norm = Norm::None;
  Activation activation = Activation::ReLU;
  Padding pad = Padding::Zero;
};

// pad → conv → norm → activation.
class Conv2dBlockImpl : public torch::nn::Module {
 public:
  explicit Conv2dBlockImpl(const Conv2dBlockOptions& options);
  // `adain` is required when the norm is AdaIN, ignored otherwise.
  torch::Tensor forward(const torch::Tensor& x, AdainParams* adain = nullptr);
  // forward(nearest 2x upsampling of `low`) for a 5x5, stride 1, padding 2 block, without making the
  // upsampled image (subpixel.h): equal up to float rounding, 2.8x fewer multiply-adds, with or
  // without autograd. Other blocks take the plain path.
  torch::Tensor forward_upsampled(const torch::Tensor& low, AdainParams* adain = nullptr);

  torch::nn::Conv2d conv{nullptr};

 private:
  torch::Tensor pad(const torch::Tensor& x, std::int64_t p) const;
  torch::Tensor convolve(const torch::Tensor& padded);
  torch::Tensor finish(torch::Tensor x, AdainParams* adain);  // norm and activation
  Conv2dBlockOptions options_;
  torch::nn::BatchNorm2d batch_norm_{nullptr};
  LayerNorm layer_norm_{nullptr};
  AdaptiveInstanceNorm adain_{nullptr};
  torch::nn::PReLU prelu_{nullptr};
  std::shared_ptr<ConvWeights> conv_weights_ = make_conv_weights();
  // forward_upsampled's phase kernels, made once per weight change (and once more for autograd).
  struct Phases {
    std::mutex mutex;
    const void* of = nullptr;
    std::int64_t version = -1;
    torch::Tensor weight, bias;
    std::shared_ptr<ConvWeights> laid_out = make_conv_weights();
  };
  std::pair<torch::Tensor, torch::Tensor> phase_weights();
  std::shared_ptr<Phases> phases_ = std::make_shared<Phases>();
};
TORCH_MODULE(Conv2dBlock);

// fc → activation (the official MLP never normalizes).
class LinearBlockImpl : public torch::nn::Module {
 public:
  LinearBlockImpl(std::int64_t in, std::int64_t out, Activation activation);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc{nullptr};

 private:
  Activation activation_;
  torch::nn::PReLU prelu_{nullptr};
};
TORCH_MODULE(LinearBlock);

// x + conv(conv(x)), the second conv without activation.
class ResBlocksImpl : public torch::nn::Module {
 public:
  ResBlocksImpl(std::int64_t blocks, std::int64_t dim, Norm norm, Activation activation, Padding pad);
  torch::Tensor forward(const torch::Tensor& x, AdainParams* adain = nullptr);

 private:
  std::vector<std::pair<Conv2dBlock, Conv2dBlock>> blocks_;
};
TORCH_MODULE(ResBlocks);

// Applies an activation that has no parameters (PReLU is a module: see Conv2dBlock).
torch::Tensor activate(const torch::Tensor& x, Activation activation);

}  // namespace munit::model
