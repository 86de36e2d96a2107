#include "discriminator.h"

#include <torch/torch.h>

namespace munit::model {
namespace {

const DiscriminatorConfig& checked(const DiscriminatorConfig& config) {
  check(config);
  return config;
}

}  // namespace

DiscriminatorImpl::DiscriminatorImpl(const DiscriminatorConfig& config)
    : config_(checked(config)), lsgan_(config.gan_type == "lsgan") {
  const Activation activ = activation_from(config.activ);
  const Padding pad = padding_from(config.pad_type);
  const Norm norm = norm_from(config.norm);
  auto cnns = register_module("cnns", Indexed());
  for (std::int64_t s = 0; s < config.num_scales; ++s) {
    auto net = cnns->add(Indexed());
    Scale scale;
    std::int64_t dim = config.dim;
    scale.blocks.push_back(net->add(Conv2dBlock(Conv2dBlockOptions{config.input_dim, dim, 4, 2, 1, Norm::None, activ, pad})));
    for (std::int64_t i = 0; i < config.n_layer - 1; ++i, dim *= 2)
      scale.blocks.push_back(net->add(Conv2dBlock(Conv2dBlockOptions{dim, dim * 2, 4, 2, 1, norm, activ, pad})));
    scale.out = net->add(torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, 1, 1)));
    scales_.push_back(std::move(scale));
  }
}

std::vector<torch::Tensor> DiscriminatorImpl::forward(const torch::Tensor& images) {
  std::vector<torch::Tensor> outputs;
  torch::Tensor x = images;
  for (std::size_t s = 0; s < scales_.size(); ++s) {
    torch::Tensor y = x;
    for (auto& block : scales_[s].blocks) y = block->forward(y);
    outputs.push_back(scales_[s].out->forward(y));
    if (s + 1 < scales_.size())
      x = torch::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, /*ceil_mode=*/false, /*count_include_pad=*/false);
  }
  return outputs;
}

torch::Tensor DiscriminatorImpl::dis_loss(const torch::Tensor& fake, const torch::Tensor& real) {
  std::vector<torch::Tensor> fakes = forward(fake), reals = forward(real);
  torch::Tensor loss;
  for (std::size_t s = 0; s < fakes.size(); ++s) {
    torch::Tensor term;
    if (lsgan_) {
      term = torch::mean(fakes[s].pow(2)) + torch::mean((reals[s] - 1).pow(2));
    } else {
      term = torch::mean(torch::binary_cross_entropy(torch::sigmoid(fakes[s]), torch::zeros_like(fakes[s])) +
                         torch::binary_cross_entropy(torch::sigmoid(reals[s]), torch::ones_like(reals[s])));
    }
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

torch::Tensor DiscriminatorImpl::gen_loss(const torch::Tensor& fake) {
  torch::Tensor loss;
  for (const torch::Tensor& out : forward(fake)) {
    torch::Tensor term = lsgan_ ? torch::mean((out - 1).pow(2))
                                : torch::mean(torch::binary_cross_entropy(torch::sigmoid(out), torch::ones_like(out)));
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

}  // namespace munit::model
