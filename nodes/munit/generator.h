#pragma once
// The official AdaINGen: style encoder, content encoder, decoder with AdaIN residual blocks, and the
// MLP that turns a style code into the decoder's AdaIN parameters. Submodule and parameter names
// are the official ones (enc_style.model.0.conv.weight, dec.model.0.model.1.model.0.conv.bias, ...).
#include <vector>

#include "config.h"
#include "layers.h"

namespace munit::model {

// conv 7x7 → two 4x4 stride-2 convs doubling the width → two more keeping it → global average
// pool → 1x1 conv to style_dim. No normalization.
class StyleEncoderImpl : public torch::nn::Module {
 public:
  explicit StyleEncoderImpl(const GeneratorConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // [N, style_dim, 1, 1]

 private:
  std::vector<Conv2dBlock> blocks_;
  torch::nn::Conv2d out_{nullptr};
};
TORCH_MODULE(StyleEncoder);

// conv 7x7 → n_downsample 4x4 stride-2 convs → n_res residual blocks, all instance-normalized.
class ContentEncoderImpl : public torch::nn::Module {
 public:
  explicit ContentEncoderImpl(const GeneratorConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  std::int64_t output_dim() const { return output_dim_; }

 private:
  std::vector<Conv2dBlock> blocks_;
  ResBlocks res_{nullptr};
  std::int64_t output_dim_;
};
TORCH_MODULE(ContentEncoder);

// AdaIN residual blocks → per level: nearest 2x upsample + 5x5 conv with LayerNorm → 7x7 conv + tanh.
// How the decoder computes conv(upsample(x)): as the official code, or with sub-pixel convolutions
// (Conv2dBlockImpl::forward_upsampled: equal up to float rounding, 2.8x fewer multiply-adds in the
// upsampling layers, with or without autograd).
enum class Upsampling { Official, Subpixel };

class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const GeneratorConfig& config, std::int64_t content_dim);
  torch::Tensor forward(const torch::Tensor& content, const torch::Tensor& adain_params,
                        Upsampling upsampling = Upsampling::Official);
  std::int64_t num_adain_params() const { return num_adain_params_; }

 private:
  ResBlocks res_{nullptr};
  std::vector<Conv2dBlock> up_;
  Conv2dBlock out_{nullptr};
  std::int64_t num_adain_params_;
};
TORCH_MODULE(Decoder);

// style_dim → mlp_dim → mlp_dim → number of AdaIN parameters.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const GeneratorConfig& config, std::int64_t output_dim);
  torch::Tensor forward(const torch::Tensor& style);

 private:
  std::vector<LinearBlock> blocks_;
};
TORCH_MODULE(Mlp);

struct Codes {
  torch::Tensor content;  // [N, dim * 2^n_downsample, H / 2^n_downsample, W / 2^n_downsample]
  torch::Tensor style;    // [N, style_dim, 1, 1]
};

class GeneratorImpl : public torch::nn::Module {
 public:
  explicit GeneratorImpl(const GeneratorConfig& config);

  Codes encode(const torch::Tensor& images);
  torch::Tensor decode(const torch::Tensor& content, const torch::Tensor& style,
                       Upsampling upsampling = Upsampling::Official);
  torch::Tensor adain_params(const torch::Tensor& style);  // [N, num_adain_params]
  torch::Tensor decode_with(const torch::Tensor& content, const torch::Tensor& adain_params,
                            Upsampling upsampling = Upsampling::Official);
  torch::Tensor forward(const torch::Tensor& images);  // reconstruction

  const GeneratorConfig& config() const { return config_; }
  std::int64_t num_adain_params() const { return dec->num_adain_params(); }

  StyleEncoder enc_style{nullptr};
  ContentEncoder enc_content{nullptr};
  Decoder dec{nullptr};
  Mlp mlp{nullptr};

 private:
  GeneratorConfig config_;
};
TORCH_MODULE(Generator);

}  // namespace munit::model
