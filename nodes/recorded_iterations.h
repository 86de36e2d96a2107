#pragma once
// The iteration count a checkpoint part records: munit writes 'iterations' into the top-level dict
// of gen_, dis_ and optimizer files (the official loaders ignore the extra key), so that a part of
// one iteration is never loaded as the part of another.
#include <cstdint>
#include <filesystem>

#include "torchio/pyobject.h"

namespace munit {

inline constexpr const char* kIterationsEntry = "iterations";

// Adds {'iterations': iterations} to a top-level dict about to be saved.
void record_iterations(py::Object& file, std::int64_t iterations);

// Throws UserError when `expected` >= 0 and the file records another count or none.
void check_recorded_iterations(const py::Object& file, const std::filesystem::path& path, std::int64_t expected);

}  // namespace munit
