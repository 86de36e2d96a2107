// The oneDNN convolution gives LibTorch's conv2d: the same output and gradients in fp32, bf16's
// rounding in bf16; and a weight changed between calls is read anew, never from the cache.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "graph/src/torch_state.h"
#include "nodes/munit/onednn_conv.h"

namespace munit {
namespace {

struct Grads {
  torch::Tensor out, x, weight, bias;
};

Grads run(bool ours, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0, std::int64_t stride,
          const torch::Tensor& grad, model::ConvWeights& cache) {
  torch::Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
  torch::Tensor out = ours ? model::onednn_conv2d(x, w, b, stride, cache) : torch::conv2d(x, w, b, stride);
  out.backward(grad.to(out.scalar_type()));
  return {out.detach().to(torch::kFloat), x.grad(), w.grad(), b.grad()};
}

void expect_close(const torch::Tensor& ours, const torch::Tensor& theirs, double tolerance, const std::string& what) {
  ASSERT_EQ(ours.sizes(), theirs.sizes()) << what;
  const double scale = std::max(1.0, theirs.abs().max().item<double>());
  EXPECT_LE((ours - theirs).abs().max().item<double>(), tolerance * scale) << what;
}

class OnednnConv : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!model::onednn_conv_built()) GTEST_SKIP() << "munit was built without oneDNN (libdnnl-dev)";
  }
};

// bf16 takes oneDNN exactly where oneDNN has bf16 kernels (every CPU with native bf16 has them);
// elsewhere, as on AVX2-only CPUs, LibTorch's convolution (Bf16Norms runs a block through it).
TEST_F(OnednnConv, Bf16FitsWhereOneDnnHasBf16Kernels) {
  const torch::Tensor weight = torch::zeros({1, 1, 1, 1});
  EXPECT_EQ(model::onednn_conv_fits(torch::zeros({2, 1, 4, 4}, torch::kBFloat16), weight), model::onednn_conv_has_bf16());
  EXPECT_FALSE(model::onednn_conv_fits(torch::zeros({2, 1, 4, 4}), weight)) << "fp32 stays on LibTorch";
  EXPECT_TRUE(model::onednn_conv_runs(torch::zeros({2, 1, 4, 4}), weight)) << "but oneDNN can compute it";
  EXPECT_EQ(model::onednn_conv_runs(torch::zeros({2, 1, 4, 4}, torch::kBFloat16), weight), model::onednn_conv_has_bf16());
  if (cpu_computes_bf16()) EXPECT_TRUE(model::onednn_conv_has_bf16());
}

TEST_F(OnednnConv, Fp32MatchesLibTorchForwardAndBackward) {
  torch::manual_seed(5);
  struct Case {
    std::int64_t batch, in, out, size, kernel, stride;
  };
  for (const Case& c : {Case{1, 3, 16, 19, 7, 1}, Case{2, 16, 32, 18, 4, 2}, Case{1, 64, 64, 10, 3, 1},
                        Case{8, 8, 1, 5, 1, 1}}) {
    const torch::Tensor x = torch::randn({c.batch, c.in, c.size, c.size});
    const torch::Tensor w = torch::randn({c.out, c.in, c.kernel, c.kernel}) * 0.1, b = torch::randn({c.out});
    const std::int64_t o = (c.size - c.kernel) / c.stride + 1;
    const torch::Tensor grad = torch::randn({c.batch, c.out, o, o});
    auto cache = model::make_conv_weights();
    const Grads ours = run(true, x, w, b, c.stride, grad, *cache), theirs = run(false, x, w, b, c.stride, grad, *cache);
    const std::string what = "case in " + std::to_string(c.in) + " kernel " + std::to_string(c.kernel);
    expect_close(ours.out, theirs.out, 1e-5, what + " output");
    expect_close(ours.x, theirs.x, 1e-5, what + " input gradient");
    expect_close(ours.weight, theirs.weight, 1e-5, what + " weight gradient");
    expect_close(ours.bias, theirs.bias, 1e-5, what + " bias gradient");
  }
}

TEST_F(OnednnConv, Bf16UnderAutocastMatchesLibTorchWithinBf16Rounding) {
  if (!model::onednn_conv_has_bf16()) GTEST_SKIP() << "oneDNN has no bf16 convolutions for this CPU (AVX2 only)";
  torch::manual_seed(6);
  const torch::Tensor x = torch::randn({2, 32, 12, 12}), w = torch::randn({48, 32, 3, 3}) * 0.1, b = torch::randn({48});
  const torch::Tensor grad = torch::randn({2, 48, 10, 10});
  auto cache = model::make_conv_weights();
  const Grads theirs = run(false, x, w, b, 1, grad, *cache);
  torch::Tensor xg = x.clone().requires_grad_(), wg = w.clone().requires_grad_(), bg = b.clone().requires_grad_();
  torch::Tensor out;
  {
    TorchScope bf16(TorchSettings{/*training=*/true, "cpu", "bf16", 1});  // as the executor sets it per node
    out = model::onednn_conv2d(xg, wg, bg, 1, *cache);
  }
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  out.backward(grad.to(torch::kBFloat16));
  EXPECT_EQ(xg.grad().scalar_type(), torch::kFloat);
  EXPECT_EQ(wg.grad().scalar_type(), torch::kFloat);
  expect_close(out.to(torch::kFloat), theirs.out, 3e-2, "output");
  expect_close(xg.grad(), theirs.x, 3e-2, "input gradient");
  expect_close(wg.grad(), theirs.weight, 3e-2, "weight gradient");
  expect_close(bg.grad(), theirs.bias, 1e-2, "bias gradient");
}

TEST_F(OnednnConv, ChannelsLastInputGivesChannelsLastOutputAndTheSameValues) {
  torch::manual_seed(7);
  const torch::Tensor x = torch::randn({1, 16, 9, 9}), w = torch::randn({16, 16, 3, 3}) * 0.1, b = torch::randn({16});
  auto cache = model::make_conv_weights();
  torch::NoGradGuard no_grad;
  const torch::Tensor plain = model::onednn_conv2d(x, w, b, 1, *cache);
  const torch::Tensor last = model::onednn_conv2d(x.contiguous(at::MemoryFormat::ChannelsLast), w, b, 1, *cache);
  EXPECT_TRUE(last.is_contiguous(at::MemoryFormat::ChannelsLast));
  expect_close(last, plain, 1e-6, "channels-last output");
}

TEST_F(OnednnConv, AWeightChangedInPlaceIsReadAnew) {
  torch::manual_seed(8);
  const torch::Tensor x = torch::randn({1, 16, 8, 8});
  torch::Tensor w = torch::randn({16, 16, 3, 3}), b = torch::zeros({16});
  auto cache = model::make_conv_weights();
  torch::NoGradGuard no_grad;
  const torch::Tensor before = model::onednn_conv2d(x, w, b, 1, *cache);
  w.mul_(2);  // an ATen in-place operation bumps the version
  const torch::Tensor doubled = model::onednn_conv2d(x, w, b, 1, *cache);
  expect_close(doubled, before * 2, 1e-5, "after mul_");
  w.data_ptr<float>()[0] += 1.0f;  // a raw write, then the bump the writer owes (as the one-pass Adam does)
  w.unsafeGetTensorImpl()->bump_version();
  expect_close(model::onednn_conv2d(x, w, b, 1, *cache), torch::conv2d(x, w, b), 1e-5, "after a raw write");
  w = torch::randn({16, 16, 3, 3});  // another tensor
  expect_close(model::onednn_conv2d(x, w, b, 1, *cache), torch::conv2d(x, w, b), 1e-5, "another weight");
}

}  // namespace
}  // namespace munit
