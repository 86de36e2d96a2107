#pragma once
// A resource's parameters as validation gives them to a run (defaults filled in, a YAML `config`
// imported, values checked), for tests that create resources without a pipeline.
#include <filesystem>
#include <map>
#include <string>

#include "munit/pipeline.h"

namespace munit::testing {

inline Params validated_params(const Registry& registry, const std::string& kind,
                               const std::map<std::string, ParamValue>& values) {
  const ResourceKind* resource = registry.resource(kind);
  if (!resource) throw std::logic_error("no resource kind " + kind);
  PipelineSpec spec;
  spec.file = "test";
  spec.dir = std::filesystem::current_path().string();
  ResourceSpec declared{resource->schema.section, "resource", kind, {}, {}};
  for (const auto& [key, value] : values) declared.entries.push_back({key, value, {}});
  spec.resources.push_back(std::move(declared));
  return validate(spec, registry).resources.front().params;
}

}  // namespace munit::testing
