#pragma once
// The official weights_init(): every convolution and linear layer's weight drawn by the named
// scheme, its bias set to zero ("default" keeps LibTorch's own draw of the weight but still zeroes
// the bias, as the official code does). Other parameters (LayerNorm gamma, PReLU) keep their
// construction values. The official trainer applies the configured scheme to the generators and
// "gaussian" to the discriminators.
#include <string>

#include <torch/nn/module.h>

namespace munit::model {

// scheme: gaussian (N(0, 0.02)) | kaiming (normal, fan_in) | xavier (normal, gain sqrt 2) |
// orthogonal (gain sqrt 2) | default. Throws std::invalid_argument for any other.
void init_weights(torch::nn::Module& module, const std::string& scheme);

}  // namespace munit::model
