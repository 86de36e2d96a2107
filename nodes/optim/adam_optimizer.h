#pragma once
// optim.adam — an optimizer over the parameters of named models, as a pipeline resource:
//
//   [optimizers.gen]
//   kind = "optim.adam"
//   models = ["gen_a", "gen_b"]          # parameters in this order (the official order)
//   config = "configs/edges2shoes.yaml"  # optional: lr, beta1, beta2, weight_decay, lr_policy,
//                                        # step_size, gamma from an official YAML (then the
//                                        # numeric params here are not used)
//   lr = 0.0001
#include <memory>
#include <string>
#include <vector>

#include "../munit/adam.h"
#include "../munit/config.h"
#include "munit/schema.h"

namespace munit {
struct ResourceContext;
}

namespace munit::optim {

struct AdamOptimizer {
  static constexpr const char* kKind = "optim.adam";
  static ResourceSchema schema();
  explicit AdamOptimizer(const ResourceContext& context);

  std::vector<std::string> models;
  model::OptimizerConfig policy;  // learning rate and its schedule
  std::unique_ptr<model::Adam> adam;
};

}  // namespace munit::optim
