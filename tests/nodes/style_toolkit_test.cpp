// The style toolkit's numbers (issue 18): fitted priors draw what they were fitted to, truncation
// pulls draws to the centre, slerp keeps its ends and its norms, and banks and priors refuse files
// that are not theirs.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "../support/node_harness.h"
#include "../support/scratch_dir.h"
#include "munit/errors.h"
#include "munit/tensor.h"
#include "nodes/style/bank.h"
#include "nodes/style/fitted_prior.h"
#include "nodes/style/styles.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

at::Generator seeded(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// `n` codes of width 4 from N(mean, A A^T) for a fixed mixing matrix A.
style::StyleBank gaussian_bank(std::int64_t n, const torch::Tensor& mean, std::uint64_t seed) {
  at::Generator generator = seeded(seed);
  const torch::Tensor mixing = torch::tensor({{1.0f, 0.0f, 0.0f, 0.0f}, {0.5f, 0.8f, 0.0f, 0.0f},
                                              {-0.3f, 0.2f, 0.4f, 0.0f}, {0.1f, 0.6f, -0.2f, 1.5f}});
  style::StyleBank bank;
  bank.codes = mean + torch::randn({n, 4}, generator, torch::kFloat).mm(mixing.t());
  for (std::int64_t i = 0; i < n; ++i) bank.names.push_back("code" + std::to_string(i));
  bank.made_by = {"b", "gen.pt", 7};
  return bank;
}

torch::Tensor covariance_of(const torch::Tensor& x) {
  const torch::Tensor centered = x.to(torch::kDouble) - x.to(torch::kDouble).mean(0);
  return centered.t().mm(centered) / (x.size(0) - 1);
}

// The mixture's own mean and covariance: sum_k w_k mu_k and sum_k w_k (Sigma_k + mu_k mu_k^T) - mu mu^T.
std::pair<torch::Tensor, torch::Tensor> moments_of(const style::FittedPrior& prior) {
  const torch::Tensor w = prior.weights.to(torch::kDouble), mu = prior.means.to(torch::kDouble);
  const torch::Tensor l = prior.cholesky.to(torch::kDouble);
  const torch::Tensor mean = (w.unsqueeze(1) * mu).sum(0);
  const torch::Tensor second = (w.view({-1, 1, 1}) * (l.bmm(l.transpose(1, 2)) + mu.unsqueeze(2) * mu.unsqueeze(1))).sum(0);
  return {mean, second - mean.unsqueeze(1) * mean.unsqueeze(0)};
}

// Must-show 3: the mean and covariance of 100,000 draws match the fit; one Gaussian's fit is the
// codes' own mean and (maximum-likelihood) covariance.
TEST(StyleToolkit, FittedGaussianDrawsMatchTheFit) {
  const style::StyleBank bank = gaussian_bank(4000, torch::tensor({2.0f, -1.0f, 0.5f, 3.0f}), 1);
  const style::FittedPrior prior = style::fit_prior(bank, "bank.pt", 1, 0);
  ASSERT_EQ(prior.components(), 1);
  ASSERT_EQ(prior.style_dim(), 4);
  EXPECT_TRUE(torch::allclose(prior.mean, bank.codes.mean(0), 1e-5, 1e-5));
  const auto [mean, covariance] = moments_of(prior);
  const double n = static_cast<double>(bank.codes.size(0));
  EXPECT_TRUE(torch::allclose(covariance, covariance_of(bank.codes) * (n - 1) / n, 1e-4, 1e-4));

  at::Generator generator = seeded(5);
  const torch::Tensor draws = prior.draw(100000, generator);
  ASSERT_EQ(draws.sizes(), torch::IntArrayRef({100000, 4}));
  // Standard errors at 100,000 draws: about 0.005 for the means, about 0.01 for these covariances.
  EXPECT_LT((draws.to(torch::kDouble).mean(0) - mean).abs().max().item<double>(), 0.03);
  EXPECT_LT((covariance_of(draws) - covariance).abs().max().item<double>(), 0.06);
  // Deterministic per generator seed.
  at::Generator again = seeded(5);
  EXPECT_TRUE(torch::equal(prior.draw(100000, again), draws));
}

// A mixture recovers well-separated clusters, and its draws have the mixture's moments.
TEST(StyleToolkit, FittedMixtureDrawsMatchTheFit) {
  style::StyleBank bank = gaussian_bank(3000, torch::zeros({4}), 2);
  // A third of the codes each around three centres far apart.
  const torch::Tensor centres = torch::tensor({{10.0f, 0.0f, 0.0f, 0.0f}, {-10.0f, 5.0f, 0.0f, 0.0f}, {0.0f, -10.0f, 8.0f, 0.0f}});
  bank.codes = bank.codes * 0.5 + centres.index_select(0, torch::arange(3000) % 3);
  const style::FittedPrior prior = style::fit_prior(bank, "bank.pt", 3, 11);
  ASSERT_EQ(prior.components(), 3);
  EXPECT_TRUE(torch::allclose(prior.weights, torch::full({3}, 1.0f / 3), 0, 1e-3));
  for (std::int64_t c = 0; c < 3; ++c)  // each centre is some component's mean
    EXPECT_LT((prior.means - centres[c]).norm(2, 1).min().item<double>(), 0.1) << "centre " << c;
  // The same seed fits the same mixture.
  EXPECT_TRUE(torch::equal(style::fit_prior(bank, "bank.pt", 3, 11).means, prior.means));

  const auto [mean, covariance] = moments_of(prior);
  at::Generator generator = seeded(6);
  const torch::Tensor draws = prior.draw(100000, generator);
  EXPECT_LT((draws.to(torch::kDouble).mean(0) - mean).abs().max().item<double>(), 0.1);
  EXPECT_LT(((covariance_of(draws) - covariance).abs() / covariance.abs().max()).max().item<double>(), 0.02);
}

TEST(StyleToolkit, FittingNeedsEnoughCodes) {
  const style::StyleBank bank = gaussian_bank(5, torch::zeros({4}), 3);
  EXPECT_NO_THROW(style::fit_prior(bank, "small.pt", 2, 0));
  try {
    style::fit_prior(bank, "small.pt", 3, 0);
    FAIL() << "three components fitted to five codes";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'small.pt' holds 5 style code(s)"));
  }
}

class StylePriorFiles : public ::testing::Test {
 protected:
  // style.prior's draws for a batch of `inputs`, [inputs * 4, 4].
  at::Tensor draws(std::map<std::string, ParamValue> params, std::int64_t inputs = 50) {
    params.emplace("style_dim", std::int64_t{4});
    params.emplace("per_input", std::int64_t{4});
    params.emplace("draw", std::string("frame"));
    NodeHarness prior(registry, "style.prior", std::move(params), 9);
    const Packet like = Packet::of(TensorBatch{torch::zeros({inputs, 1, 2, 2}), {}});
    return prior.process(0, {{"like", like}})[0].as<TensorBatch>().data.flatten(1);
  }

  std::map<std::string, ParamValue> fitted(double psi) {
    return {{"distribution", std::string("fitted")}, {"fit", prior_file.string()}, {"psi", psi}};
  }

  Registry registry = Registry::with_builtins();
  ScratchDir scratch{"munit_style_toolkit"};
  fs::path prior_file = scratch.path() / "prior.pt";
  style::FittedPrior prior = [this] {
    style::FittedPrior fit = style::fit_prior(gaussian_bank(500, torch::tensor({2.0f, -1.0f, 0.5f, 3.0f}), 4), "b.pt", 1, 0);
    style::save_fitted_prior(prior_file, fit, Existing::refuse);
    return fit;
  }();
};

// Must-show 3: psi = 0 gives the mean style for every draw; psi scales each draw's distance from it.
TEST_F(StylePriorFiles, TruncationPullsDrawsTowardTheMean) {
  const at::Tensor whole = draws(fitted(1.0));
  EXPECT_LT((whole.mean(0) - prior.mean).abs().max().item<double>(), 0.5);
  EXPECT_GT(whole.std(0).min().item<double>(), 0.2);
  const at::Tensor centre = draws(fitted(0.0));
  EXPECT_TRUE(torch::equal(centre, prior.mean.expand_as(centre)));
  const at::Tensor half = draws(fitted(0.5));
  EXPECT_TRUE(torch::allclose(half - prior.mean, 0.5 * (whole - prior.mean), 1e-5, 1e-5));
  // N(0, I)'s centre is 0; psi = 1 is exactly the official draw.
  EXPECT_TRUE(torch::equal(draws({{"psi", 0.0}}), torch::zeros_like(whole)));
  EXPECT_TRUE(torch::allclose(draws({{"psi", 0.7}}), 0.7 * draws({}), 1e-6, 1e-6));
  EXPECT_FALSE(torch::equal(draws({}), draws(fitted(1.0))));
}

TEST_F(StylePriorFiles, PriorFilesAreValidated) {
  const style::FittedPrior loaded = style::load_fitted_prior(prior_file);
  EXPECT_TRUE(torch::equal(loaded.cholesky, prior.cholesky));
  EXPECT_TRUE(torch::equal(loaded.mean, prior.mean));
  EXPECT_EQ(loaded.made_by.domain, "b");
  EXPECT_EQ(loaded.bank, "b.pt");
  // A bank is not a prior, nor is a prior a bank.
  const fs::path bank_file = scratch.path() / "bank.pt";
  style::save_style_bank(bank_file, gaussian_bank(3, torch::zeros({4}), 5), Existing::refuse);
  EXPECT_THAT([&] { style::load_fitted_prior(bank_file); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("is not a fitted style prior")));
  EXPECT_THAT([&] { style::load_style_bank(prior_file); }, ::testing::ThrowsMessage<UserError>(HasSubstr("is not a style bank")));
  std::ofstream(scratch.path() / "text.pt") << "not a torch file";
  EXPECT_THROW(style::load_fitted_prior(scratch.path() / "text.pt"), UserError);
}

TEST(StyleToolkit, BanksRoundTripAndPickByName) {
  ScratchDir scratch{"munit_style_bank"};
  const style::StyleBank bank = gaussian_bank(3, torch::zeros({4}), 6);
  style::save_style_bank(scratch.path() / "bank.pt", bank, Existing::refuse);
  EXPECT_THROW(style::save_style_bank(scratch.path() / "bank.pt", bank, Existing::refuse), std::runtime_error);
  const style::StyleBank loaded = style::load_style_bank(scratch.path() / "bank.pt");
  EXPECT_TRUE(torch::equal(loaded.codes, bank.codes));
  EXPECT_EQ(loaded.names, bank.names);
  EXPECT_EQ(loaded.made_by.checkpoint, "gen.pt");
  EXPECT_EQ(loaded.made_by.crc32, 7u);
  const at::Tensor picked = loaded.pick({"code2", "code0"}, "bank.pt");
  EXPECT_TRUE(torch::equal(picked[0], bank.codes[2]));
  EXPECT_TRUE(torch::equal(picked[1], bank.codes[0]));
  EXPECT_THAT([&] { loaded.pick({"code9"}, "bank.pt"); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("has no style named 'code9' (it has 3: code0, code1, code2)")));
}

// Must-show 3: slerp's ends are the two styles exactly; between them it keeps prior draws' norms,
// where a straight line's midpoints fall toward 0.
TEST(StyleToolkit, SlerpKeepsItsEndsAndPriorNorms) {
  at::Generator generator = seeded(8);
  const std::int64_t pairs = 2000, width = 8;
  const torch::Tensor a = torch::randn({pairs, width}, generator, torch::kFloat);
  const torch::Tensor b = torch::randn({pairs, width}, generator, torch::kFloat);
  const torch::Tensor t = torch::linspace(0, 1, 5);
  std::vector<torch::Tensor> spherical, straight;
  for (std::int64_t i = 0; i < pairs; ++i) {
    const torch::Tensor path = style::slerp(a[i], b[i], t);
    ASSERT_TRUE(torch::equal(path[0], a[i]));
    ASSERT_TRUE(torch::equal(path[4], b[i]));
    const torch::Tensor norms = path.norm(2, 1);
    // The norm goes linearly from |a| to |b|.
    ASSERT_TRUE(torch::allclose(norms, (1 - t) * a[i].norm() + t * b[i].norm(), 1e-4, 1e-4));
    spherical.push_back(path[2]);
    straight.push_back(style::lerp(a[i], b[i], t)[2]);
  }
  // The midpoints' norms keep to the draws' shell (the mean, and the draws' 1st to 99th percentile of
  // norms), where a straight line's midpoints fall toward 0 by about 1/sqrt(2).
  const torch::Tensor draws = torch::cat({a, b}).norm(2, 1);
  const torch::Tensor middle = torch::stack(spherical).norm(2, 1), line = torch::stack(straight).norm(2, 1);
  EXPECT_NEAR(middle.mean().item<double>() / draws.mean().item<double>(), 1.0, 0.02);
  EXPECT_LT(line.mean().item<double>() / draws.mean().item<double>(), 0.8);
  const double low = draws.quantile(0.01).item<double>(), high = draws.quantile(0.99).item<double>();
  auto in_shell = [&](const torch::Tensor& norms) { return ((norms >= low) & (norms <= high)).to(torch::kFloat).mean().item<double>(); };
  EXPECT_GE(in_shell(middle), 0.99);
  EXPECT_LT(in_shell(line), 0.95);
  // Degenerate ends fall back to the straight line.
  const torch::Tensor zero = torch::zeros({width});
  EXPECT_TRUE(torch::allclose(style::slerp(zero, b[0], t), style::lerp(zero, b[0], t)));
  EXPECT_TRUE(torch::allclose(style::slerp(a[0], 2 * a[0], t), style::lerp(a[0], 2 * a[0], t)));
  for (std::int64_t i = 0; i < 20; ++i)  // opposite ends: the straight line, through 0 (no direction is nearer)
    EXPECT_TRUE(torch::allclose(style::slerp(a[i], -a[i], t), style::lerp(a[i], -a[i], t), 1e-6, 1e-6)) << i;
}

}  // namespace
}  // namespace munit::testing
