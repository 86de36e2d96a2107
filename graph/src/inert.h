#pragma once
// Nodes that contribute nothing to a run are left out of it, with the producers only they needed:
// a node kind declares the parameter that makes it inert when 0 (a loss term's weight), as the
// official trainer skips a term whose weight is 0 and the passes computing it. An inert node is
// left out only where every consumer takes it in a list input (an optimizer's terms, a log's
// values) that keeps another entry; those lists lose its entries.
#include <string>
#include <vector>

#include "munit/pipeline.h"

namespace munit {

// `nodes` in topological order; returns the ids left out, in file order.
std::vector<std::string> leave_out_inert(std::vector<ResolvedNode>& nodes);

}  // namespace munit
