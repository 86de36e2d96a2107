#include "generator.h"

#include <torch/torch.h>

namespace munit::model {
namespace {

// Validates once, at construction, with the config's own spellings in the message.
const GeneratorConfig& checked(const GeneratorConfig& config) {
  check(config);
  return config;
}

}  // namespace

StyleEncoderImpl::StyleEncoderImpl(const GeneratorConfig& config) {
  const Activation activ = activation_from(config.activ);
  const Padding pad = padding_from(config.pad_type);
  auto model = register_module("model", Indexed());
  std::int64_t dim = config.dim;
  blocks_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{config.input_dim, dim, 7, 1, 3, Norm::None, activ, pad})));
  for (int i = 0; i < 2; ++i, dim *= 2)
    blocks_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{dim, 2 * dim, 4, 2, 1, Norm::None, activ, pad})));
  // The official style encoder always downsamples four times, whatever the content encoder does.
  for (int i = 0; i < 4 - 2; ++i) blocks_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{dim, dim, 4, 2, 1, Norm::None, activ, pad})));
  model->skip();  // global average pooling
  out_ = model->add(torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, config.style_dim, 1)));
}

torch::Tensor StyleEncoderImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  for (auto& block : blocks_) x = block->forward(x);
  return out_->forward(torch::adaptive_avg_pool2d(x, {1, 1}));
}

ContentEncoderImpl::ContentEncoderImpl(const GeneratorConfig& config) {
  const Activation activ = activation_from(config.activ);
  const Padding pad = padding_from(config.pad_type);
  auto model = register_module("model", Indexed());
  std::int64_t dim = config.dim;
  blocks_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{config.input_dim, dim, 7, 1, 3, Norm::Instance, activ, pad})));
  for (std::int64_t i = 0; i < config.n_downsample; ++i, dim *= 2)
    blocks_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{dim, 2 * dim, 4, 2, 1, Norm::Instance, activ, pad})));
  res_ = model->add(ResBlocks(config.n_res, dim, Norm::Instance, activ, pad));
  output_dim_ = dim;
}

torch::Tensor ContentEncoderImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  for (auto& block : blocks_) x = block->forward(x);
  return res_->forward(x);
}

DecoderImpl::DecoderImpl(const GeneratorConfig& config, std::int64_t content_dim) {
  const Activation activ = activation_from(config.activ);
  const Padding pad = padding_from(config.pad_type);
  auto model = register_module("model", Indexed());
  std::int64_t dim = content_dim;
  res_ = model->add(ResBlocks(config.n_res, dim, Norm::AdaIN, activ, pad));
  num_adain_params_ = 2 * 2 * config.n_res * dim;  // two AdaIN layers per block, scale and shift each
  for (std::int64_t i = 0; i < config.n_downsample; ++i, dim /= 2) {
    model->skip();  // nearest 2x upsampling
    up_.push_back(model->add(Conv2dBlock(Conv2dBlockOptions{dim, dim / 2, 5, 1, 2, Norm::Layer, activ, pad})));
  }
  out_ = model->add(Conv2dBlock(Conv2dBlockOptions{dim, config.input_dim, 7, 1, 3, Norm::None, Activation::Tanh, pad}));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& content, const torch::Tensor& adain_params,
                                   Upsampling upsampling) {
  if (adain_params.dim() != 2 || adain_params.size(1) != num_adain_params_)
    throw std::invalid_argument("the decoder takes " + std::to_string(num_adain_params_) +
                                " AdaIN parameters per sample, got a tensor of shape " +
                                c10::str(adain_params.sizes()));
  AdainParams params(adain_params);
  torch::Tensor x = res_->forward(content, &params);
  for (auto& block : up_) {
    if (upsampling == Upsampling::Subpixel) {
      x = block->forward_upsampled(x);
    } else {
      x = torch::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
      x = block->forward(x);
    }
  }
  return out_->forward(x);
}

MlpImpl::MlpImpl(const GeneratorConfig& config, std::int64_t output_dim) {
  const Activation activ = activation_from(config.activ);
  auto model = register_module("model", Indexed());
  blocks_.push_back(model->add(LinearBlock(config.style_dim, config.mlp_dim, activ)));
  blocks_.push_back(model->add(LinearBlock(config.mlp_dim, config.mlp_dim, activ)));
  blocks_.push_back(model->add(LinearBlock(config.mlp_dim, output_dim, Activation::None)));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& style) {
  torch::Tensor x = style.reshape({style.size(0), -1});
  for (auto& block : blocks_) x = block->forward(x);
  return x;
}

GeneratorImpl::GeneratorImpl(const GeneratorConfig& config) : config_(checked(config)) {
  enc_style = register_module("enc_style", StyleEncoder(config));
  enc_content = register_module("enc_content", ContentEncoder(config));
  dec = register_module("dec", Decoder(config, enc_content->output_dim()));
  mlp = register_module("mlp", Mlp(config, dec->num_adain_params()));
}

Codes GeneratorImpl::encode(const torch::Tensor& images) {
  torch::Tensor style = enc_style->forward(images);
  return {enc_content->forward(images), style};
}

torch::Tensor GeneratorImpl::adain_params(const torch::Tensor& style) { return mlp->forward(style); }

torch::Tensor GeneratorImpl::decode_with(const torch::Tensor& content, const torch::Tensor& adain_params,
                                         Upsampling upsampling) {
  return dec->forward(content, adain_params, upsampling);
}

torch::Tensor GeneratorImpl::decode(const torch::Tensor& content, const torch::Tensor& style, Upsampling upsampling) {
  return decode_with(content, adain_params(style), upsampling);
}

torch::Tensor GeneratorImpl::forward(const torch::Tensor& images) {
  Codes codes = encode(images);
  return decode(codes.content, codes.style);
}

}  // namespace munit::model
