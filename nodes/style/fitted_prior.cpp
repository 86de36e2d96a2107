#include "fitted_prior.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "munit/errors.h"
#include "torchio/torch_file.h"

namespace munit::style {
namespace {

constexpr const char* kFormat = "munit.style_prior";
constexpr int kMaxIterations = 500;
constexpr double kTolerance = 1e-7;  // of the mean log-likelihood per code

struct Mixture {
  torch::Tensor weights, means, covariances;  // double
};

torch::Tensor regularized(const torch::Tensor& covariance, double ridge) {
  return covariance + ridge * torch::eye(covariance.size(-1), covariance.options());
}

// log(w_k N(x_i | mu_k, Sigma_k)), [N, K].
torch::Tensor log_densities(const torch::Tensor& x, const Mixture& m) {
  const std::int64_t d = x.size(1);
  const torch::Tensor factors = at::linalg_cholesky(m.covariances);  // [K, D, D]
  std::vector<torch::Tensor> columns;
  for (std::int64_t k = 0; k < m.weights.size(0); ++k) {
    const torch::Tensor whitened = at::linalg_solve_triangular(factors[k], (x - m.means[k]).t(), /*upper=*/false);
    columns.push_back(m.weights[k].log() - 0.5 * whitened.pow(2).sum(0) - factors[k].diagonal().log().sum() -
                      0.5 * static_cast<double>(d) * std::log(2 * M_PI));
  }
  return torch::stack(columns, 1);
}

Mixture maximize(const torch::Tensor& x, const torch::Tensor& responsibilities, double ridge) {
  const torch::Tensor counts = responsibilities.sum(0) + 1e-12;  // [K]
  Mixture m;
  m.weights = counts / x.size(0);
  m.means = responsibilities.t().mm(x) / counts.unsqueeze(1);
  std::vector<torch::Tensor> covariances;
  for (std::int64_t k = 0; k < counts.size(0); ++k) {
    const torch::Tensor centered = x - m.means[k];
    covariances.push_back(regularized((centered * responsibilities.select(1, k).unsqueeze(1)).t().mm(centered) / counts[k], ridge));
  }
  m.covariances = torch::stack(covariances);
  return m;
}

// k-means++ seeding, then Lloyd steps: hard responsibilities to start EM from.
torch::Tensor kmeans_start(const torch::Tensor& x, std::int64_t k, at::Generator& generator) {
  const std::int64_t n = x.size(0);
  std::vector<std::int64_t> picked{torch::randint(n, {1}, generator, torch::kLong).item<std::int64_t>()};
  while (static_cast<std::int64_t>(picked.size()) < k) {
    const torch::Tensor centres = x.index_select(0, torch::tensor(picked));
    const torch::Tensor nearest = torch::cdist(x, centres).pow(2).amin(1);
    const torch::Tensor chances = nearest.sum().item<double>() > 0 ? nearest : torch::ones_like(nearest);
    picked.push_back(torch::multinomial(chances.to(torch::kFloat), 1, false, generator).item<std::int64_t>());
  }
  torch::Tensor centres = x.index_select(0, torch::tensor(picked));
  torch::Tensor assigned;
  for (int step = 0; step < 20; ++step) {
    assigned = torch::cdist(x, centres).argmin(1);
    for (std::int64_t c = 0; c < k; ++c) {
      const torch::Tensor members = assigned == c;
      if (members.any().item<bool>()) centres[c] = x.index({members}).mean(0);
    }
  }
  return torch::one_hot(assigned, k).to(x.dtype());
}

const torch::Tensor& tensor_entry(const py::Object& file, const char* key, const std::string& path) {
  const py::Object* found = file.find(key);
  if (!found || !found->is(py::Type::Tensor))
    throw UserError("the fitted prior '" + path + "' has no tensor '" + key + "': fit one with `munit styles fit`");
  return found->as_tensor();
}

std::string string_entry(const py::Object& file, const char* key) {
  const py::Object* found = file.find(key);
  return found && found->is(py::Type::String) ? found->as_string() : std::string();
}

}  // namespace

at::Tensor FittedPrior::draw(std::int64_t count, at::Generator& generator) const {
  const torch::Tensor z = torch::randn({count, style_dim(), 1}, generator, torch::kFloat);
  const torch::Tensor component = components() == 1 ? torch::zeros({count}, torch::kLong)
                                                     : torch::multinomial(weights, count, true, generator);
  return means.index_select(0, component) + cholesky.index_select(0, component).bmm(z).squeeze(2);
}

FittedPrior fit_prior(const StyleBank& bank, const std::string& bank_name, std::int64_t components, std::uint64_t seed) {
  const torch::Tensor x = bank.codes.to(torch::kDouble);
  const std::int64_t n = x.size(0);
  if (n < 2 * components)
    throw UserError("'" + bank_name + "' holds " + std::to_string(n) + " style code(s): fitting " +
                    std::to_string(components) + " component(s) needs at least " + std::to_string(2 * components) +
                    "; encode more images or ask for fewer components");
  const double ridge = 1e-6 * std::max(x.var(0).mean().item<double>(), 1e-12);
  Mixture m;
  if (components == 1) {
    m = maximize(x, torch::ones({n, 1}, x.options()), ridge);
  } else {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    m = maximize(x, kmeans_start(x, components, generator), ridge);
    double previous = -INFINITY;
    for (int step = 0; step < kMaxIterations; ++step) {
      const torch::Tensor log_p = log_densities(x, m);
      const torch::Tensor total = torch::logsumexp(log_p, 1, true);
      const double likelihood = total.mean().item<double>();
      m = maximize(x, (log_p - total).exp(), ridge);
      if (likelihood - previous < kTolerance) break;
      previous = likelihood;
    }
  }
  FittedPrior prior;
  prior.weights = m.weights.to(torch::kFloat);
  prior.means = m.means.to(torch::kFloat);
  prior.cholesky = at::linalg_cholesky(m.covariances).to(torch::kFloat);
  prior.mean = x.mean(0).to(torch::kFloat);
  prior.codes = n;
  prior.bank = bank_name;
  prior.made_by = bank.made_by;
  return prior;
}

void save_fitted_prior(const std::filesystem::path& path, const FittedPrior& prior, Existing existing) {
  auto s = [](const std::string& text) { return py::Object::string(text); };
  const py::Object file = py::Object::dict({
      {s("format"), s(kFormat)},
      {s("version"), py::Object::integer(1)},
      {s("weights"), py::Object::tensor(prior.weights)},
      {s("means"), py::Object::tensor(prior.means)},
      {s("cholesky"), py::Object::tensor(prior.cholesky)},
      {s("mean"), py::Object::tensor(prior.mean)},
      {s("codes"), py::Object::integer(prior.codes)},
      {s("bank"), s(prior.bank)},
      {s("domain"), s(prior.made_by.domain)},
      {s("checkpoint"), s(prior.made_by.checkpoint)},
      {s("generator_crc32"), py::Object::integer(prior.made_by.crc32)},
  });
  save_torch_file(path, file, existing);
}

FittedPrior load_fitted_prior(const std::filesystem::path& path) {
  const std::string name = path.string();
  const py::Object file = load_torch_file(path);
  const py::Object* format = file.is(py::Type::Dict) ? file.find("format") : nullptr;
  if (!format || !format->is(py::Type::String) || format->as_string() != kFormat)
    throw UserError("'" + name + "' is not a fitted style prior (it holds " + file.describe() +
                    "): make one with `munit styles fit BANK --output " + path.filename().string() + "`");
  FittedPrior prior;
  prior.weights = tensor_entry(file, "weights", name).to(torch::kFloat);
  prior.means = tensor_entry(file, "means", name).to(torch::kFloat);
  prior.cholesky = tensor_entry(file, "cholesky", name).to(torch::kFloat);
  prior.mean = tensor_entry(file, "mean", name).to(torch::kFloat);
  prior.bank = string_entry(file, "bank");
  prior.made_by.domain = string_entry(file, "domain");
  prior.made_by.checkpoint = string_entry(file, "checkpoint");
  const std::int64_t k = prior.weights.dim() == 1 ? prior.weights.size(0) : 0;
  const std::int64_t d = prior.mean.dim() == 1 ? prior.mean.size(0) : 0;
  const bool shaped = k > 0 && d > 0 && prior.means.sizes() == torch::IntArrayRef({k, d}) &&
                      prior.cholesky.sizes() == torch::IntArrayRef({k, d, d});
  if (!shaped)
    throw UserError("the fitted prior '" + name + "' has weights " + c10::str(prior.weights.sizes()) + ", means " +
                    c10::str(prior.means.sizes()) + ", cholesky " + c10::str(prior.cholesky.sizes()) + " and mean " +
                    c10::str(prior.mean.sizes()) + ": they need [K], [K, D], [K, D, D] and [D]");
  const bool finite = torch::isfinite(prior.weights).all().item<bool>() && torch::isfinite(prior.means).all().item<bool>() &&
                      torch::isfinite(prior.cholesky).all().item<bool>() && torch::isfinite(prior.mean).all().item<bool>();
  const bool factors = torch::equal(prior.cholesky, prior.cholesky.tril()) &&
                       (prior.cholesky.diagonal(0, 1, 2) > 0).all().item<bool>();
  if (!finite || !factors || (prior.weights < 0).any().item<bool>() ||
      std::abs(prior.weights.sum().item<double>() - 1) > 1e-3)
    throw UserError("the fitted prior '" + name + "' is not a distribution: its numbers must be finite, its weights "
                    "sum to 1 and its cholesky factors be lower triangular with a positive diagonal");
  return prior;
}

}  // namespace munit::style
