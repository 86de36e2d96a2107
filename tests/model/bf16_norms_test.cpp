// The CPU bf16 norms (bf16_norms.h) normalize as their fp32 versions do, to bf16's rounding, and hand
// back bf16: the official LayerNorm (per sample, and its batch-of-one branch), AdaIN and instance
// norm; and their gradients, with respect to the input and to every affine parameter, are the fp32
// versions' gradients to bf16's rounding.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "nodes/munit/layers.h"

namespace munit {
namespace {

void expect_bf16_close(const torch::Tensor& bf16, const torch::Tensor& fp32, const std::string& what) {
  ASSERT_EQ(bf16.scalar_type(), torch::kBFloat16) << what;
  // bf16 keeps 8 significant bits: about 0.4% of a value, on normalized values of order 1.
  EXPECT_LE((bf16.to(torch::kFloat) - fp32).abs().max().item<double>(), 0.05) << what;
}

TEST(Bf16Norms, LayerNormMatchesTheOfficialFormulaPerSampleAndForABatchOfOne) {
  torch::manual_seed(11);
  torch::NoGradGuard no_grad;
  model::LayerNorm norm(6);
  norm->beta.uniform_(-1, 1);
  for (std::int64_t batch : {1, 3}) {
    const torch::Tensor x = torch::randn({batch, 6, 9, 7}) * 3 + 2;
    const torch::Tensor rounded = x.to(torch::kBFloat16);
    expect_bf16_close(norm->forward(rounded), norm->forward(rounded.to(torch::kFloat)),
                      "batch " + std::to_string(batch));
  }
}

TEST(Bf16Norms, AdaInAndInstanceNormMatchTheirFp32Versions) {
  torch::manual_seed(12);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = (torch::randn({2, 4, 8, 8}) * 2 - 1).to(torch::kBFloat16);
  model::AdaptiveInstanceNorm adain(4);
  const torch::Tensor params = torch::randn({2, 8});
  model::AdainParams for_bf16(params), for_fp32(params);
  expect_bf16_close(adain->forward(x, for_bf16), adain->forward(x.to(torch::kFloat), for_fp32), "AdaIN");

  model::Conv2dBlock block(model::Conv2dBlockOptions{4, 4, 3, 1, 1, model::Norm::Instance, model::Activation::None,
                                                     model::Padding::Zero});
  const torch::Tensor ours = block->forward(x);
  // The same block in fp32 on the bf16-rounded weights the bf16 convolution reads.
  for (auto& p : block->parameters()) p.copy_(p.to(torch::kBFloat16).to(torch::kFloat));
  expect_bf16_close(ours, block->forward(x.to(torch::kFloat)), "instance norm");
}

// The gradients of f's output dotted with `direction`, with respect to `x` and `parameters`.
std::vector<torch::Tensor> gradients(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x,
                                     const std::vector<torch::Tensor>& parameters, const torch::Tensor& direction) {
  torch::Tensor input = x.detach().requires_grad_(true);
  std::vector<torch::Tensor> wrt{input};
  wrt.insert(wrt.end(), parameters.begin(), parameters.end());
  const torch::Tensor out = f(input);
  return torch::autograd::grad({(out.to(torch::kFloat) * direction).sum()}, wrt);
}

// bf16 and fp32 gradients agree to 3% of the fp32 gradient's largest entry (bf16 rounds the
// incoming gradient and the result; a wrong term in any formula is off by its whole size).
void expect_gradients_close(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x,
                            const std::vector<torch::Tensor>& parameters, const std::string& what) {
  const torch::Tensor rounded = x.to(torch::kBFloat16);
  // Off zero mean, so that the terms through the mean weigh as much as the others.
  const torch::Tensor direction = (torch::randn(x.sizes()) + 1).to(torch::kBFloat16).to(torch::kFloat);
  const auto reference = gradients(f, rounded.to(torch::kFloat), parameters, direction);
  for (const auto format : {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast}) {
    const std::string layout = what + (format == torch::MemoryFormat::ChannelsLast ? ", channels_last" : ", NCHW");
    const auto ours = gradients(f, rounded.contiguous(format), parameters, direction);
    ASSERT_EQ(ours[0].scalar_type(), torch::kBFloat16) << layout;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      const double scale = reference[i].abs().max().item<double>();
      ASSERT_GT(scale, 0) << layout << ", gradient " << i;
      EXPECT_LE((ours[i].to(torch::kFloat) - reference[i]).abs().max().item<double>(), 0.03 * scale)
          << layout << ", gradient " << i << " (0: the input, then the parameters)";
    }
  }
}

TEST(Bf16Norms, LayerNormGradientsMatchTheFp32Ones) {
  torch::manual_seed(13);
  model::LayerNorm norm(40);  // channels_last runs blocks of 32 channels: a whole one and a part
  {
    torch::NoGradGuard no_grad;
    norm->beta.uniform_(-1, 1);
  }
  for (std::int64_t batch : {1, 3})
    expect_gradients_close([&](const torch::Tensor& x) { return norm->forward(x); }, torch::randn({batch, 40, 9, 7}) * 3 + 2,
                           {norm->gamma, norm->beta}, "LayerNorm, batch " + std::to_string(batch));
}

TEST(Bf16Norms, AdaInAndInstanceNormGradientsMatchTheFp32Ones) {
  torch::manual_seed(14);
  model::AdaptiveInstanceNorm adain(5);
  const torch::Tensor params = (torch::randn({2, 10}) + 1).requires_grad_(true);
  expect_gradients_close(
      [&](const torch::Tensor& x) {
        model::AdainParams taken(params);
        return adain->forward(x, taken);
      },
      torch::randn({2, 5, 11, 6}) * 2 - 1, {params}, "AdaIN");

  model::Conv2dBlock block(model::Conv2dBlockOptions{4, 4, 3, 1, 1, model::Norm::Instance, model::Activation::None,
                                                     model::Padding::Zero});
  {
    torch::NoGradGuard no_grad;  // the fp32 run reads the bf16-rounded weights the bf16 convolution reads
    for (auto& p : block->parameters()) p.copy_(p.to(torch::kBFloat16).to(torch::kFloat));
  }
  expect_gradients_close([&](const torch::Tensor& x) { return block->forward(x); }, torch::randn({2, 4, 8, 8}),
                         {block->conv->weight}, "instance norm");
}

}  // namespace
}  // namespace munit
