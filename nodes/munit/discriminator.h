#pragma once
// The official MsImageDis: num_scales patch discriminators, the input average-pooled (3x3, stride
// 2) between scales. Names: cnns.<scale>.<layer>.conv.weight, cnns.<scale>.<n_layer>.weight.
#include <vector>

#include "config.h"
#include "layers.h"

namespace munit::model {

class DiscriminatorImpl : public torch::nn::Module {
 public:
  explicit DiscriminatorImpl(const DiscriminatorConfig& config);

  // Raw (pre-sigmoid) patch maps, one per scale.
  std::vector<torch::Tensor> forward(const torch::Tensor& images);

  // The official losses: LSGAN or non-saturating GAN, summed over scales.
  torch::Tensor dis_loss(const torch::Tensor& fake, const torch::Tensor& real);
  torch::Tensor gen_loss(const torch::Tensor& fake);

  const DiscriminatorConfig& config() const { return config_; }

 private:
  struct Scale {
    std::vector<Conv2dBlock> blocks;
    torch::nn::Conv2d out{nullptr};
  };
  DiscriminatorConfig config_;
  bool lsgan_;
  std::vector<Scale> scales_;
};
TORCH_MODULE(Discriminator);

}  // namespace munit::model
