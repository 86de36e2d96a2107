#pragma once
// The official Vgg16 (NVlabs/MUNIT networks.py) for the domain-invariant perceptual loss: 13 3x3
// convolutions named conv1_1 … conv5_3, ReLU after each, max-pooled after blocks 1–3; forward()
// gives relu5_3. Its weights come from a file (see load_vgg16); it never trains.
#include <memory>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

namespace munit::model {

class Vgg16Impl : public torch::nn::Module {
 public:
  Vgg16Impl();
  torch::Tensor forward(torch::Tensor images);  // preprocessed, BGR (see vgg_preprocess)

 private:
  std::vector<torch::nn::Conv2d> convs_;
};
TORCH_MODULE(Vgg16);

// The official vgg_preprocess: [-1, 1] RGB → [0, 255] BGR minus the Caffe means.
torch::Tensor vgg_preprocess(const torch::Tensor& images);

// The official perceptual distance: mean squared difference of the instance-normalized relu5_3
// features of `images` and `targets`.
torch::Tensor vgg_loss(Vgg16& vgg, const torch::Tensor& images, const torch::Tensor& targets);

// Loads `path`: the official vgg16.weight (a torch.save'd state dict, keys conv1_1.weight …) or
// torchvision's vgg16 state dict (features.N.weight …, matched by order). One network per file,
// shared by every caller, frozen. A missing or wrong file is a UserError that says what is needed.
std::shared_ptr<Vgg16> load_vgg16(const std::string& path, const std::string& device, bool channels_last = false);

}  // namespace munit::model
