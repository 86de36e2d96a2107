#pragma once
// What every loss node shares: a `weight` parameter, and two outputs: `out`, the weighted term an
// optimizer step sums (with its autograd history), and `raw`, the unweighted value for logs.
#include <string>

#include "munit/schema.h"
#include "munit/tensor.h"

namespace munit::loss {

inline constexpr Out<Scalar> kOut{"out"};
inline constexpr Out<Scalar> kRaw{"raw"};
inline const auto kWeight = param<double>("weight", 1.0).at_least(0)
    .doc("multiplies the loss (the official *_w settings); 0 leaves the term, and what only it needs, out of the run");

inline NodeSchema& with_weight(NodeSchema& schema) {
  return schema.output(kOut, "weight × the loss (differentiable): feed it to an optim.step")
      .output(kRaw, "the loss itself, detached: for logs and metrics")
      .params_of(kWeight)
      .inert_when_zero_param(kWeight);
}

inline void put_weighted(Frame& frame, double weight, const at::Tensor& loss) {
  frame.put(kOut, Scalar{weight * loss});
  frame.put(kRaw, Scalar{loss.detach()});
}

}  // namespace munit::loss
