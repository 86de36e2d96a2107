#pragma once
// Pipeline files that extend another: `include = "munit.toml"` (top level, a path relative to the
// including file) reads that file first, then lays this one over it. [pipeline] keys override
// one by one; a table under [models], [optimizers] or [nodes] either merges into the base's table
// of that name (it names no kind, or the same kind) or replaces it (it names another kind). Values
// keep the file they were written in, for messages and for resolving relative paths.
#include <string>

#include <toml++/toml.h>

namespace munit {

// Throws UserError for a syntax error, a missing file or an include cycle.
toml::table read_pipeline_toml(const std::string& path);

}  // namespace munit
