#pragma once
// optim.adam — an optimizer over the parameters of named models, as a pipeline resource. Any model
// resource whose type implements munit::Trainable (munit/trainable.h) can be listed, a plugin's too:
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

#include "adam.h"
#include "munit/schema.h"
#include "optimizer_config.h"

namespace munit {
struct ResourceContext;
}

namespace munit::optim {

struct AdamOptimizer {
  static constexpr const char* kKind = "optim.adam";
  static ResourceSchema schema();
  explicit AdamOptimizer(const ResourceContext& context);

  std::vector<std::string> models;
  OptimizerConfig policy;  // learning rate and its schedule
  std::unique_ptr<Adam> adam;
};

}  // namespace munit::optim
