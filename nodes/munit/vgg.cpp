#include "vgg.h"

#include <filesystem>
#include <map>
#include <mutex>

#include <torch/torch.h>

#include "channels_last.h"
#include "munit/errors.h"
#include "torchio/torch_file.h"
#include "state_dict.h"

namespace munit::model {
namespace {

struct Block {
  int convs, channels;
  bool pooled;
};
constexpr Block kBlocks[] = {{2, 64, true}, {2, 128, true}, {3, 256, true}, {3, 512, false}, {3, 512, false}};

// torchvision's layout → the official names, by the order of the convolutions.
py::Object official_names(const py::Object& state) {
  std::vector<std::string> names;
  for (int b = 0; b < 5; ++b)
    for (int c = 0; c < kBlocks[b].convs; ++c) names.push_back("conv" + std::to_string(b + 1) + "_" + std::to_string(c + 1));
  py::Entries renamed;
  std::size_t conv = 0;
  for (const auto& [key, value] : state.entries()) {
    const std::string& name = key.as_string();
    if (name.rfind("features.", 0) != 0 || conv >= names.size() * 2) continue;
    const bool weight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
    renamed.emplace_back(py::Object::string(names[conv / 2] + (weight ? ".weight" : ".bias")), value);
    ++conv;
  }
  return py::Object::dict(std::move(renamed), true);
}

}  // namespace

Vgg16Impl::Vgg16Impl() {
  int in = 3;
  for (int b = 0; b < 5; ++b) {
    for (int c = 0; c < kBlocks[b].convs; ++c) {
      const std::string name = "conv" + std::to_string(b + 1) + "_" + std::to_string(c + 1);
      convs_.push_back(register_module(name, torch::nn::Conv2d(torch::nn::Conv2dOptions(in, kBlocks[b].channels, 3).padding(1))));
      in = kBlocks[b].channels;
    }
  }
}

torch::Tensor Vgg16Impl::forward(torch::Tensor h) {
  std::size_t conv = 0;
  for (const Block& block : kBlocks) {
    for (int c = 0; c < block.convs; ++c) h = torch::relu(convs_[conv++](h));
    if (block.pooled) h = torch::max_pool2d(h, 2, 2);
  }
  return h;
}

torch::Tensor vgg_preprocess(const torch::Tensor& images) {
  auto bgr = torch::cat({images.narrow(1, 2, 1), images.narrow(1, 1, 1), images.narrow(1, 0, 1)}, 1);
  // Filled on the device: a tensor built on the host would be a blocking copy every call.
  auto mean = torch::empty({1, 3, 1, 1}, images.options());
  const double caffe_means[] = {103.939, 116.779, 123.680};
  for (int c = 0; c < 3; ++c) mean.narrow(1, c, 1).fill_(caffe_means[c]);
  return (bgr + 1) * 255 * 0.5 - mean;
}

torch::Tensor vgg_loss(Vgg16& vgg, const torch::Tensor& images, const torch::Tensor& targets) {
  auto features = [&](const torch::Tensor& x) { return torch::instance_norm(vgg->forward(vgg_preprocess(x)), {}, {}, {}, {}, true, 0.1, 1e-5, false); };
  return torch::mean((features(images) - features(targets)).pow(2));
}

std::shared_ptr<Vgg16> load_vgg16(const std::string& path, const std::string& device, bool channels_last) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Vgg16>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = path + "@" + device + (channels_last ? "/nhwc" : "");
  if (auto shared = loaded[key].lock()) return shared;

  const char* expected =
      "the official vgg16.weight (NVlabs/MUNIT's load_vgg16 writes it: a torch.save'd Vgg16 state dict, keys "
      "conv1_1.weight … conv5_3.bias) or torchvision's vgg16 state dict (torch.save(torchvision.models.vgg16("
      "weights='IMAGENET1K_V1').state_dict(), 'vgg16.pth'))";
  if (!std::filesystem::exists(path))
    throw UserError("VGG16 weights '" + path + "' not found: the perceptual loss needs " + expected);
  py::Object state = load_torch_file(path);
  if (!state.is(py::Type::Dict)) throw UserError("'" + path + "' holds a " + state.describe() + ", not " + expected);
  if (!state.find("conv1_1.weight")) state = official_names(state);
  auto vgg = std::make_shared<Vgg16>();
  load_state_dict(**vgg, state, LoadOptions{"VGG16 from '" + path + "'", nullptr, [expected] {
                                              return std::string("expected ") + expected;
                                            }});
  (*vgg)->to(torch::Device(device));
  if (channels_last) use_channels_last(**vgg);
  (*vgg)->eval();
  for (auto& parameter : (*vgg)->parameters()) parameter.set_requires_grad(false);
  loaded[key] = vgg;
  return vgg;
}

}  // namespace munit::model
