#pragma once
// `munit nodes`: node and resource contracts as text (like gst-inspect) or JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "munit/registry.h"

namespace munit::cli {

std::string describe_text(const NodeKind& kind);
std::string summary_line(const NodeKind& kind);
nlohmann::json describe_json(const NodeKind& kind);

// Resource kinds ([models.*], [optimizers.*]) the same way.
std::string describe_text(const ResourceKind& kind);
std::string summary_line(const ResourceKind& kind);
nlohmann::json describe_json(const ResourceKind& kind);

}  // namespace munit::cli
