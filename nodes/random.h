#pragma once
// Randomness that depends only on (node seed, frame, index), never on which thread ran first, so
// parallel nodes give the same output with 1 thread or many.
#include <cstdint>
#include <random>

namespace munit {

inline std::mt19937_64 rng_for(std::uint64_t seed, std::int64_t frame, std::int64_t index = 0) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(frame), static_cast<std::uint32_t>(index)};
  return std::mt19937_64(sequence);
}

}  // namespace munit
