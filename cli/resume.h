#pragma once
// `munit run FILE --resume`: continue a training run from the newest state its checkpoint node
// wrote. The node declares how (NodeSchema::resume), as --set overrides: for io.checkpoint the
// models load that checkpoint, the optimizers its optimizer.pt, and frames (iterations) continue
// from its count, so everything that depends on the iteration (learning rate, random styles, data
// order) continues as in an uninterrupted run.
#include <string>
#include <vector>

#include "munit/pipeline.h"

namespace munit::cli {

// Empty when nothing is written yet (a fresh start). Throws UserError when no node (or more than
// one) declares how to resume, or the written state is inconsistent.
std::vector<std::string> resume_overrides(const Pipeline& pipeline);

}  // namespace munit::cli
