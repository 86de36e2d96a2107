#pragma once
// [pipeline] channels_last: a network's 4-D weights (and their Adam moments, created alike) in NHWC
// order. Convolutions then run in channels_last, which tensor cores and oneDNN prefer; results are
// the same up to float rounding. Checkpoints are written contiguous, so files do not change.
namespace torch::nn {
class Module;
}

namespace munit::model {

void use_channels_last(torch::nn::Module& net);

}  // namespace munit::model
