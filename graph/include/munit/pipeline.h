#pragma once
// A validated pipeline: kinds resolved, parameters typed with defaults, edges checked, nodes in
// topological order. Nothing is allocated or run until validation has passed.
#include <string>
#include <vector>

#include "munit/registry.h"
#include "munit/spec.h"

namespace munit {

struct InputBinding {
  int producer = -1;  // index into Pipeline::nodes; -1: an optional input left unconnected
  int port = -1;      // index into the producer's outputs; outputs.size() is its `done` signal
};

struct ResolvedNode {
  std::string id;
  const NodeKind* kind = nullptr;
  Params params;
  SourceLocation where;
  std::string log_level;             // empty: the pipeline's
  std::vector<std::vector<InputBinding>> inputs;  // per schema input: its producers (a list input may have several)
  std::vector<int> after;            // producers of `after` signal edges
  std::vector<int> upstream;         // every distinct producer, ascending

  const NodeSchema& schema() const { return kind->schema; }
};

struct ResolvedResource {
  std::string section;
  std::string name;
  const ResourceKind* kind = nullptr;
  Params params;
};

struct Pipeline {
  std::string file;
  PipelineSettings settings;
  std::vector<ResolvedResource> resources;
  std::vector<ResolvedNode> nodes;  // topological order
  std::vector<std::string> left_out;  // nodes contributing nothing, not run (graph/src/inert.h)
  // Said once by validation, not errors: warnings (a TOML value that wins over its hyperparameter
  // file's), and information (keys of that file nothing in a training pipeline reads).
  std::vector<Diagnostic> notes;
  std::vector<Diagnostic> unread;
};

// Checks the whole spec against the registry; throws UserError listing every problem found.
// The returned pipeline points into `registry`, which must outlive it.
Pipeline validate(const PipelineSpec& spec, const Registry& registry);

// Parses a file, loads the plugins it names into `registry`, and validates.
Pipeline load_pipeline(const std::string& path, Registry& registry,
                       const std::vector<std::string>& overrides = {});

}  // namespace munit
