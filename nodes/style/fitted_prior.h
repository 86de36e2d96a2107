#pragma once
// A distribution fitted to a style bank's codes, to draw random styles from where real images'
// styles lie instead of from N(0, I) (`munit styles fit`, style.prior distribution = "fitted"):
// a Gaussian mixture of K components with full covariances (K = 1: one Gaussian). Saved as a
// torch.save dict Python reads:
//
//   {"format": "munit.style_prior", "version": 1, "weights": [K], "means": [K, D],
//    "cholesky": [K, D, D] (lower factors of the covariances), "mean": [D] (the codes' mean, where
//    truncation pulls draws), "codes": N, "bank": file name, "domain", "checkpoint", "generator_crc32"}
#include <cstdint>
#include <filesystem>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "bank.h"
#include "munit/atomic_file.h"

namespace munit::style {

struct FittedPrior {
  at::Tensor weights, means, cholesky, mean;  // float, CPU
  std::int64_t codes = 0;                     // how many codes it was fitted to
  std::string bank;                           // their bank's file name
  GeneratorIdentity made_by;

  std::int64_t style_dim() const { return mean.size(0); }
  std::int64_t components() const { return weights.size(0); }

  // `count` draws [count, style_dim]: for K = 1, mean + L z with z ~ N(0, I) from `generator`.
  at::Tensor draw(std::int64_t count, at::Generator& generator) const;
};

// The maximum-likelihood Gaussian (components = 1) or a mixture fitted by EM from a seeded k-means++
// start. Covariances get 1e-6 of the codes' mean variance on the diagonal, so they stay positive
// definite however few or alike the codes. UserError when there are too few codes.
FittedPrior fit_prior(const StyleBank& bank, const std::string& bank_name, std::int64_t components, std::uint64_t seed);

void save_fitted_prior(const std::filesystem::path& path, const FittedPrior& prior, Existing existing);
// UserError naming the file when it is not a fitted prior.
FittedPrior load_fitted_prior(const std::filesystem::path& path);

}  // namespace munit::style
