#pragma once
// Text renderings of a validated pipeline: Graphviz DOT and a plain listing.
#include <string>

#include "munit/pipeline.h"

namespace munit {

std::string to_dot(const Pipeline& pipeline);
std::string to_text(const Pipeline& pipeline);

}  // namespace munit
