#include "init.h"

#include <cmath>
#include <stdexcept>

#include <torch/torch.h>

namespace munit::model {

void init_weights(torch::nn::Module& module, const std::string& scheme) {
  if (scheme != "gaussian" && scheme != "kaiming" && scheme != "xavier" && scheme != "orthogonal" &&
      scheme != "default")
    throw std::invalid_argument("unknown init '" + scheme + "' (gaussian, kaiming, xavier, orthogonal, default)");
  torch::NoGradGuard no_grad;
  for (const auto& child : module.modules()) {
    torch::Tensor weight, bias;
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    if (scheme == "gaussian") weight.normal_(0.0, 0.02);
    else if (scheme == "kaiming") torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanIn);
    else if (scheme == "xavier") torch::nn::init::xavier_normal_(weight, std::sqrt(2.0));
    else if (scheme == "orthogonal") torch::nn::init::orthogonal_(weight, std::sqrt(2.0));
    if (bias.defined()) bias.zero_();
  }
}

}  // namespace munit::model
