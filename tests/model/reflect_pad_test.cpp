// The bf16 reflection and replication padding give what LibTorch's fp32 reflection_pad2d and
// replication_pad2d give for the same values, in NCHW and channels_last: the same pixels forward,
// the same gradient sums (rounded to bf16) backward, in the input's layout.
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "nodes/munit/reflect_pad.h"

namespace munit {
namespace {

TEST(ReflectPadBf16, MatchesLibTorchsFp32PaddingForwardAndBackward) {
  torch::manual_seed(3);
  for (const bool reflect : {true, false})
    for (const auto format : {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast})
      for (std::int64_t p : {1, 2, 3}) {
        const std::string what = std::string(reflect ? "reflect" : "replicate") +
                                 (format == torch::MemoryFormat::ChannelsLast ? " channels_last" : " NCHW") +
                                 ", padding " + std::to_string(p);
        const torch::Tensor x = torch::randn({2, 5, 9, 7}).to(torch::kBFloat16).contiguous(format);
        const torch::Tensor grad = torch::randn({2, 5, 9 + 2 * p, 7 + 2 * p}).to(torch::kBFloat16).contiguous(format);

        torch::Tensor ours_in = x.clone().requires_grad_();
        torch::Tensor ours = reflect ? model::reflect_pad_bf16(ours_in, p) : model::replicate_pad_bf16(ours_in, p);
        ours.backward(grad);

        torch::Tensor theirs_in = x.to(torch::kFloat).contiguous().requires_grad_();
        torch::Tensor theirs = reflect ? torch::reflection_pad2d(theirs_in, {p, p, p, p})
                                       : torch::replication_pad2d(theirs_in, {p, p, p, p});
        theirs.backward(grad.to(torch::kFloat).contiguous());

        ASSERT_EQ(ours.scalar_type(), torch::kBFloat16) << what;
        EXPECT_TRUE(ours.is_contiguous(format)) << what << ": the result keeps the input's layout";
        EXPECT_TRUE(ours_in.grad().is_contiguous(format)) << what << ": so does the gradient";
        EXPECT_TRUE(torch::equal(ours.to(torch::kFloat), theirs.detach())) << what;
        const torch::Tensor expected = theirs_in.grad().to(torch::kBFloat16).to(torch::kFloat);
        EXPECT_TRUE(torch::allclose(ours_in.grad().to(torch::kFloat), expected, 1e-2, 1e-2)) << what;
        // Interior pixels have one contribution each: exactly the gradient there.
        EXPECT_TRUE(torch::equal(ours_in.grad().slice(2, p + 1, 9 - p - 1).slice(3, p + 1, 7 - p - 1),
                                 grad.slice(2, 2 * p + 1, 9 - 1).slice(3, 2 * p + 1, 7 - 1)))
            << what;
      }
}

TEST(ReflectPadBf16, RefusesPaddingAsLargeAsTheImage) {
  EXPECT_THROW(model::reflect_pad_bf16(torch::zeros({1, 1, 3, 3}, torch::kBFloat16), 3), c10::Error);
}

}  // namespace
}  // namespace munit
