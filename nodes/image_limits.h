#pragma once
// The largest images munit works on, so that one small file cannot take minutes and gigabytes: a
// decoded image has at most kMaxDecodedPixels (more: it counts as unreadable, skipped or refused
// by the reader's `unreadable` policy), and a resize may make at most kMaxResizedPixels (more: the
// run stops with exit code 2 before resizing).
#include <algorithm>
#include <cstdint>
#include <string>

#include "munit/errors.h"

namespace munit {

inline constexpr std::int64_t kMaxDecodedPixels = std::int64_t{64} << 20;  // 64 Mi: 8192 x 8192
inline constexpr std::int64_t kMaxResizedPixels = std::int64_t{16} << 20;  // 16 Mi: 4096 x 4096

// Throws UserError naming `name` when `width` x `height` pixels with the shorter side scaled to
// `side` (the longer rounding down) would be more than kMaxResizedPixels.
inline void check_resized_size(std::int64_t width, std::int64_t height, std::int64_t side, const std::string& name) {
  const std::int64_t shorter = std::min(width, height), longer = std::max(width, height);
  const std::int64_t scaled = side * longer / shorter;
  if (side * scaled <= kMaxResizedPixels) return;
  const bool wide = width >= height;
  throw UserError("'" + name + "' is " + std::to_string(width) + "x" + std::to_string(height) +
                  " pixels: its shorter side at " + std::to_string(side) + " would make it " +
                  std::to_string(wide ? scaled : side) + "x" + std::to_string(wide ? side : scaled) +
                  ", more than the " + std::to_string(kMaxResizedPixels >> 20) +
                  " Mi pixels a resized image may have; crop it first or choose a smaller size");
}

}  // namespace munit
