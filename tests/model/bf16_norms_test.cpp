// The CPU bf16 norms (layers.cpp) normalize as their fp32 versions do, to bf16's rounding, and hand
// back bf16: the official LayerNorm (per sample, and its batch-of-one branch), AdaIN and instance norm.
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

}  // namespace
}  // namespace munit
