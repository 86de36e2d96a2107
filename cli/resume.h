#pragma once
// `munit run FILE --resume`: continue a training run from the newest checkpoint its io.checkpoint
// node wrote. Expressed as --set overrides: the models load that checkpoint, the optimizers its
// optimizer.pt, and frames (iterations) continue from its count, so everything that depends on the
// iteration (learning rate, random styles, data order) continues as in an uninterrupted run.
#include <string>
#include <vector>

#include "munit/pipeline.h"

namespace munit::cli {

// Empty when the checkpoint folder holds no checkpoint yet (a fresh start). Throws UserError when
// the pipeline has no io.checkpoint node or the folder is inconsistent.
std::vector<std::string> resume_overrides(const Pipeline& pipeline);

}  // namespace munit::cli
