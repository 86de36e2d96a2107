// The bf16 reflection padding gives what LibTorch's fp32 reflection_pad2d gives for the same
// values: the same pixels forward, the same gradient sums (rounded to bf16) backward.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "nodes/munit/reflect_pad.h"

namespace munit {
namespace {

TEST(ReflectPadBf16, MatchesLibTorchsFp32PaddingForwardAndBackward) {
  torch::manual_seed(3);
  for (std::int64_t p : {1, 2, 3}) {
    const torch::Tensor x = torch::randn({2, 5, 9, 7}).to(torch::kBFloat16);
    const torch::Tensor grad = torch::randn({2, 5, 9 + 2 * p, 7 + 2 * p}).to(torch::kBFloat16);

    torch::Tensor ours_in = x.clone().requires_grad_();
    torch::Tensor ours = model::reflect_pad_bf16(ours_in, p);
    ours.backward(grad);

    torch::Tensor theirs_in = x.to(torch::kFloat).requires_grad_();
    torch::Tensor theirs = torch::reflection_pad2d(theirs_in, {p, p, p, p});
    theirs.backward(grad.to(torch::kFloat));

    ASSERT_EQ(ours.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(ours.to(torch::kFloat), theirs.detach())) << "padding " << p;
    const torch::Tensor expected = theirs_in.grad().to(torch::kBFloat16).to(torch::kFloat);
    EXPECT_TRUE(torch::allclose(ours_in.grad().to(torch::kFloat), expected, 1e-2, 1e-2)) << "padding " << p;
    // Interior pixels have one contribution each: exactly the gradient there.
    EXPECT_TRUE(torch::equal(ours_in.grad().slice(2, p + 1, 9 - p - 1).slice(3, p + 1, 7 - p - 1),
                             grad.slice(2, 2 * p + 1, 9 - 1).slice(3, 2 * p + 1, 7 - 1)))
        << "padding " << p;
  }
}

TEST(ReflectPadBf16, RefusesPaddingAsLargeAsTheImage) {
  EXPECT_THROW(model::reflect_pad_bf16(torch::zeros({1, 1, 3, 3}, torch::kBFloat16), 3), c10::Error);
}

}  // namespace
}  // namespace munit
