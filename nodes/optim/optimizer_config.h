#pragma once
// An optimizer's settings under the official MUNIT YAML keys (top level of configs/*.yaml): Adam's
// coefficients and the learning-rate policy (lr_policy.h).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "munit/errors.h"

namespace YAML {
class Node;
}

namespace munit::optim {

struct OptimizerConfig {
  double lr = 1e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double weight_decay = 1e-4;
  std::string lr_policy = "step";  // step | constant
  std::int64_t step_size = 100000;
  double gamma = 0.5;
};

inline constexpr std::array<const char*, 7> kOptimizerKeys = {"lr",        "beta1",     "beta2", "weight_decay",
                                                              "lr_policy", "step_size", "gamma"};

// Reads kOptimizerKeys from a YAML mapping (absent keys keep their defaults); each wrong type or
// value adds a diagnostic at its position in `source`.
OptimizerConfig read_optimizer_config(const YAML::Node& mapping, const std::string& source,
                                      std::vector<Diagnostic>& problems);

}  // namespace munit::optim
