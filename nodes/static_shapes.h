#pragma once
// Shape rules (munit/schema.h, ShapeContext) shared by node kinds whose outputs keep the size of
// their input.
#include <string>

#include "munit/schema.h"

namespace munit {

// `out` has the height, width and channels of `in`.
inline ShapeRule same_shape(std::string in, std::string out) {
  return [in, out](ShapeContext& shapes) { shapes.output(out, shapes.input(in)); };
}

}  // namespace munit
