#include "layers.h"
#include "bf16_norms.h"
#include "reflect_pad.h"
#include "subpixel.h"

#include <stdexcept>

#include <torch/nn/functional/padding.h>
#include <torch/torch.h>

#include "munit/tensor.h"

namespace munit::model {

Activation activation_from(const std::string& name) {
  if (name == "relu") return Activation::ReLU;
  if (name == "lrelu") return Activation::LeakyReLU;
  if (name == "prelu") return Activation::PReLU;
  if (name == "selu") return Activation::SELU;
  if (name == "tanh") return Activation::Tanh;
  if (name == "none") return Activation::None;
  throw std::invalid_argument("unknown activation '" + name + "' (relu, lrelu, prelu, selu, tanh, none)");
}

Norm norm_from(const std::string& name) {
  if (name == "none") return Norm::None;
  if (name == "bn") return Norm::Batch;
  if (name == "in") return Norm::Instance;
  if (name == "ln") return Norm::Layer;
  if (name == "adain") return Norm::AdaIN;
  throw std::invalid_argument("unknown norm '" + name + "' (none, bn, in, ln, adain)");
}

Padding padding_from(const std::string& name) {
  if (name == "reflect") return Padding::Reflect;
  if (name == "replicate") return Padding::Replicate;
  if (name == "zero") return Padding::Zero;
  throw std::invalid_argument("unknown pad_type '" + name + "' (reflect, replicate, zero)");
}

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::ReLU: return torch::relu(x);
    case Activation::LeakyReLU: return torch::leaky_relu(x, 0.2);
    case Activation::SELU: return torch::selu(x);
    case Activation::Tanh: return torch::tanh(x);
    case Activation::None: return x;
    case Activation::PReLU: break;
  }
  throw std::logic_error("PReLU is applied by its module");
}

namespace {

bool cpu_bf16_image(const torch::Tensor& x) { return x.is_cpu() && x.scalar_type() == torch::kBFloat16 && x.dim() == 4; }

torch::Tensor pad_image(const torch::Tensor& x, std::int64_t p, Padding padding) {
  namespace F = torch::nn::functional;
  if (p == 0) return x;
  switch (padding) {
    case Padding::Reflect:
      if (cpu_bf16_image(x)) return reflect_pad_bf16(x, p);
      return F::pad(x, F::PadFuncOptions({p, p, p, p}).mode(torch::kReflect));
    case Padding::Replicate:
      if (cpu_bf16_image(x)) return replicate_pad_bf16(x, p);
      return F::pad(x, F::PadFuncOptions({p, p, p, p}).mode(torch::kReplicate));
    case Padding::Zero: break;
  }
  return F::pad(x, F::PadFuncOptions({p, p, p, p}).mode(torch::kConstant));
}

// The convolution where oneDNN's own does not fit (GPUs, fp32, CPUs without bf16 kernels). A bf16
// image meeting fp32 weights outside autocast computes in bf16, as the oneDNN path does.
torch::Tensor convolve_with(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            std::int64_t stride, ConvWeights& laid_out) {
  if (onednn_conv_fits(x, weight)) return onednn_conv2d(x, weight, bias, stride, laid_out);
  if (cpu_bf16_image(x) && weight.scalar_type() == torch::kFloat && !cpu_bf16_autocast())
    return torch::conv2d(x, weight.to(torch::kBFloat16), bias.defined() ? bias.to(torch::kBFloat16) : bias, stride);
  return torch::conv2d(x, weight, bias, stride);
}

}  // namespace

LayerNormImpl::LayerNormImpl(std::int64_t features, double eps) : eps_(eps) {
  gamma = register_parameter("gamma", torch::empty({features}).uniform_());
  beta = register_parameter("beta", torch::zeros({features}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  if (cpu_bf16_image(x)) return layer_norm_bf16(x, gamma, beta, eps_);
  std::vector<std::int64_t> shape(x.dim(), 1);
  shape[0] = -1;
  torch::Tensor mean, std;
  if (x.size(0) == 1) {  // the official code's batch-of-one branch: one reduction over everything
    torch::Tensor flat = x.reshape({-1});
    mean = flat.mean().view(shape);
    std = flat.std().view(shape);
  } else {
    torch::Tensor flat = x.reshape({x.size(0), -1});
    mean = flat.mean(1).view(shape);
    std = flat.std(1).view(shape);
  }
  torch::Tensor y = (x - mean) / (std + eps_);
  std::vector<std::int64_t> affine(x.dim(), 1);
  affine[1] = -1;
  return y * gamma.view(affine) + beta.view(affine);
}

std::pair<torch::Tensor, torch::Tensor> AdainParams::take(std::int64_t features) {
  if (remaining() < 2 * features)
    throw std::invalid_argument("AdaIN parameters exhausted: " + std::to_string(remaining()) + " left, " +
                                std::to_string(2 * features) + " needed");
  torch::Tensor mean = params_.narrow(1, offset_, features);
  torch::Tensor std = params_.narrow(1, offset_ + features, features);
  offset_ += 2 * features;
  return {std.contiguous().view(-1), mean.contiguous().view(-1)};
}

AdaptiveInstanceNormImpl::AdaptiveInstanceNormImpl(std::int64_t features, double eps, double momentum)
    : features_(features), eps_(eps), momentum_(momentum) {
  running_mean = register_buffer("running_mean", torch::zeros({features}));
  running_var = register_buffer("running_var", torch::ones({features}));
}

torch::Tensor AdaptiveInstanceNormImpl::forward(const torch::Tensor& x, AdainParams& params) {
  auto [weight, bias] = params.take(features_);
  const std::int64_t b = x.size(0), c = x.size(1);
  if (weight.numel() != b * c)
    throw std::invalid_argument("AdaIN parameters are for " + std::to_string(weight.numel() / c) +
                                " samples, the content batch has " + std::to_string(b));
  if (cpu_bf16_image(x))
    return instance_norm_bf16(x, weight, bias, eps_);
  if (x.dim() == 4 && x.suggest_memory_format() == at::MemoryFormat::ChannelsLast) {
    // The same statistics without leaving NHWC ([pipeline] channels_last): the batch_norm below
    // needs an NCHW view, and each AdaIN would transpose twice.
    const torch::Tensor xf = x.to(torch::kFloat);
    auto [var, mean] = torch::var_mean(xf, at::IntArrayRef{2, 3}, /*unbiased=*/false, /*keepdim=*/true);
    const torch::Tensor scale = weight.to(torch::kFloat).view({b, c, 1, 1}) * torch::rsqrt(var + eps_);
    return (xf - mean) * scale + bias.to(torch::kFloat).view({b, c, 1, 1});
  }
  std::vector<std::int64_t> folded{1, b * c};
  for (std::int64_t d = 2; d < x.dim(); ++d) folded.push_back(x.size(d));
  // Batch norm over a batch of one whose channels are (sample, channel) pairs: instance norm with a
  // per-sample affine. Throw-away copies of the running statistics, as the official code passes.
  // The statistics in fp32, also under bf16/fp16 autocast (batch_norm is not autocast on the CPU,
  // and it needs one type for input, affine and running statistics); the next conv casts back.
  torch::Tensor out = torch::batch_norm(x.contiguous().view(folded).to(torch::kFloat), weight.to(torch::kFloat),
                                        bias.to(torch::kFloat), running_mean.repeat({b}), running_var.repeat({b}),
                                        /*training=*/true, momentum_, eps_, /*cudnn_enabled=*/true);
  // On the CPU a bf16 decoder stays bf16 between its convolutions (the next one would cast anyway),
  // so its padding runs in bf16 too (reflect_pad.h).
  out = out.view(x.sizes());
  return x.is_cpu() && x.scalar_type() == torch::kBFloat16 ? out.to(torch::kBFloat16) : out;
}

Conv2dBlockImpl::Conv2dBlockImpl(const Conv2dBlockOptions& options) : options_(options) {
  // Registration order is the official one: norm, activation, conv.
  switch (options.norm) {
    case Norm::Batch: batch_norm_ = register_module("norm", torch::nn::BatchNorm2d(options.out)); break;
    case Norm::Layer: layer_norm_ = register_module("norm", LayerNorm(options.out)); break;
    case Norm::AdaIN: adain_ = register_module("norm", AdaptiveInstanceNorm(options.out)); break;
    case Norm::Instance:
    case Norm::None: break;
  }
  if (options.activation == Activation::PReLU) prelu_ = register_module("activation", torch::nn::PReLU());
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in, options.out, options.kernel)
                                                       .stride(options.stride)
                                                       .bias(true)));
}

torch::Tensor Conv2dBlockImpl::pad(const torch::Tensor& x, std::int64_t p) const { return pad_image(x, p, options_.pad); }

torch::Tensor Conv2dBlockImpl::convolve(const torch::Tensor& padded) {
  return convolve_with(padded, conv->weight, conv->bias, options_.stride, *conv_weights_);
}

torch::Tensor Conv2dBlockImpl::forward(const torch::Tensor& input, AdainParams* adain) {
  return finish(convolve(pad(input, options_.padding)), adain);
}

std::pair<torch::Tensor, torch::Tensor> Conv2dBlockImpl::phase_weights() {
  const torch::Tensor& weight = conv->weight;
  const bool differentiable = torch::GradMode::is_enabled() && weight.requires_grad();
  std::lock_guard<std::mutex> lock(phases_->mutex);
  const bool current = phases_->of == weight.data_ptr() && phases_->version == weight._version();
  if (current && (!differentiable || phases_->weight.requires_grad())) return {phases_->weight, phases_->bias};
  // A training iteration decodes with one weight several times: they share one phase kernel, and
  // its gradient reaches the weight once per backward pass.
  torch::AutoGradMode grad(differentiable);
  phases_->weight = phase_kernels(weight);
  phases_->bias = conv->bias.repeat_interleave(4);
  phases_->of = weight.data_ptr();
  phases_->version = weight._version();
  return {phases_->weight, phases_->bias};
}

torch::Tensor Conv2dBlockImpl::forward_upsampled(const torch::Tensor& low, AdainParams* adain) {
  const std::int64_t h = low.size(2), w = low.size(3);
  // In bf16 training on the CPU the phase kernels' gradient, the border lines and the shuffle cost
  // more than the multiply-adds saved (munit_fused.toml, AMX: 1.10 against 1.16-1.23 s per 128 px
  // iteration, 0.24 against 0.30 s on the small config); bf16 inference and fp32 gain.
  const bool cpu_bf16_training =
      low.is_cpu() && torch::GradMode::is_enabled() && (low.scalar_type() == torch::kBFloat16 || cpu_bf16_autocast());
  if (cpu_bf16_training || options_.kernel != 5 || options_.stride != 1 || options_.padding != 2 || h < 2 || w < 2)
    return forward(torch::upsample_nearest2d(low, {2 * h, 2 * w}), adain);

  const auto [phase_weight, phase_bias] = phase_weights();
  // Zero and replicate padding commute with the upsampling; reflect padding is replicate padding
  // plus the border lines.
  const torch::Tensor padded = pad_image(low, 1, options_.pad == Padding::Zero ? Padding::Zero : Padding::Replicate);
  const torch::Tensor phased = convolve_with(padded, phase_weight, phase_bias, 1, *phases_->laid_out);
  if (options_.pad != Padding::Reflect) return finish(shuffle_phases(phased), adain);
  const BorderLines lines = reflect_border_lines(low, conv->weight);
  return finish(shuffle_phases(phased, &lines), adain);
}

torch::Tensor Conv2dBlockImpl::finish(torch::Tensor x, AdainParams* adain) {
  switch (options_.norm) {
    case Norm::Batch: x = batch_norm_->forward(x); break;
    case Norm::Layer: x = layer_norm_->forward(x); break;
    case Norm::Instance:
      if (cpu_bf16_image(x)) {
        x = instance_norm_bf16(x, {}, {}, 1e-5);
        break;
      }
      x = torch::instance_norm(x, {}, {}, {}, {}, /*use_input_stats=*/true, 0.1, 1e-5, /*cudnn_enabled=*/true);
      break;
    case Norm::AdaIN:
      if (!adain) throw std::logic_error("an AdaIN block needs AdaIN parameters");
      x = adain_->forward(x, *adain);
      break;
    case Norm::None: break;
  }
  if (options_.activation == Activation::PReLU) return prelu_->forward(x);
  return activate(x, options_.activation);
}

LinearBlockImpl::LinearBlockImpl(std::int64_t in, std::int64_t out, Activation activation) : activation_(activation) {
  fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(true)));
  if (activation == Activation::PReLU) prelu_ = register_module("activation", torch::nn::PReLU());
}

torch::Tensor LinearBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = fc->forward(x);
  if (activation_ == Activation::PReLU) return prelu_->forward(y);
  return activate(y, activation_);
}

namespace {

// The official ResBlock: a `model` of two conv blocks.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(std::int64_t dim, Norm norm, Activation activation, Padding pad) {
    auto model = register_module("model", Indexed());
    first = model->add(Conv2dBlock(Conv2dBlockOptions{dim, dim, 3, 1, 1, norm, activation, pad}));
    second = model->add(Conv2dBlock(Conv2dBlockOptions{dim, dim, 3, 1, 1, norm, Activation::None, pad}));
  }
  Conv2dBlock first{nullptr}, second{nullptr};
};
TORCH_MODULE(ResBlock);

}  // namespace

ResBlocksImpl::ResBlocksImpl(std::int64_t blocks, std::int64_t dim, Norm norm, Activation activation, Padding pad) {
  auto model = register_module("model", Indexed());
  for (std::int64_t i = 0; i < blocks; ++i) {
    ResBlock block = model->add(ResBlock(dim, norm, activation, pad));
    blocks_.emplace_back(block->first, block->second);
  }
}

torch::Tensor ResBlocksImpl::forward(const torch::Tensor& input, AdainParams* adain) {
  torch::Tensor x = input;
  for (auto& [first, second] : blocks_) x = second->forward(first->forward(x, adain), adain) + x;
  return x;
}

}  // namespace munit::model
