#pragma once
// Parameters taken from an official MUNIT YAML at validation (munit/schema.h, Import): each
// parameter names the YAML key it follows ("gen.dim", "lr"). Values keep their YAML type and
// position, so validation checks them against the parameter's own type and range and reports a bad
// one at its line in the YAML.
#include <string>
#include <utility>
#include <vector>

#include "munit/schema.h"

namespace munit {

// (parameter, YAML key) pairs; a key the file lacks gives nothing.
using KeyMap = std::vector<std::pair<std::string, std::string>>;

// Throws UserError with file:line:column for a file that is not YAML or not a mapping.
Imported import_yaml(const std::string& file, const KeyMap& params);

// The string value of entry `key` in a table's entries, or `otherwise`.
std::string entry_text(const std::vector<SpecEntry>& entries, const std::string& key, const std::string& otherwise);

}  // namespace munit
