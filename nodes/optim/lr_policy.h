#pragma once
// The official learning-rate policies (utils.get_scheduler): "constant", or "step" (StepLR: the
// rate times gamma every step_size iterations). The official train loop steps the scheduler before
// each iteration, so iteration i (counting from 0) runs at lr * gamma^floor((i + 1) / step_size).
#include <cmath>
#include <cstdint>

#include "optimizer_config.h"

namespace munit::optim {

inline double learning_rate(const OptimizerConfig& config, std::int64_t iteration) {
  if (config.lr_policy != "step") return config.lr;
  return config.lr * std::pow(config.gamma, static_cast<double>((iteration + 1) / config.step_size));
}

}  // namespace munit::optim
