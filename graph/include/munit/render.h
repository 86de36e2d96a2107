#pragma once
// Text renderings of a validated pipeline: Graphviz DOT, a plain listing and resolved TOML.
#include <string>

#include "munit/pipeline.h"

namespace munit {

std::string to_dot(const Pipeline& pipeline);
std::string to_text(const Pipeline& pipeline);
// The pipeline as TOML after defaults, imports and overrides: what `munit validate --print-resolved`
// prints, and a file that runs the same.
std::string to_toml(const Pipeline& pipeline);

}  // namespace munit
