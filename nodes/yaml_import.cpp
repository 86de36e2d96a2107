#include "yaml_import.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "munit/config.h"
#include "munit/errors.h"

namespace munit {
namespace {

SourceLocation location(const std::string& file, const YAML::Node& node) {
  return {file, node.Mark().line + 1, node.Mark().column + 1};
}

// A YAML scalar as the TOML value it reads as: 3 an integer, 0.5 and 1e-4 floats, true a bool,
// anything else a string. A list or mapping where a value belongs stays a string naming it, so
// validation says "expected an integer, got the string ..." at its line.
ParamValue value_of(const YAML::Node& node) {
  if (node.IsNull()) return std::string("<no value>");
  if (!node.IsScalar()) return std::string(node.IsSequence() ? "<a list>" : "<a mapping>");
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: a string, whatever it looks like
  char* end = nullptr;
  errno = 0;
  const long long integer = std::strtoll(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0' && errno == 0) return static_cast<std::int64_t>(integer);
  const double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == '\0' && std::isfinite(number)) return number;
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  return text;
}

}  // namespace

Imported import_yaml(const std::string& file, const KeyMap& params) {
  const YAML::Node root = model::parse_config_mapping(model::read_config_text(file), file);
  Imported imported;
  std::map<std::string, YAML::Node> values;
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if ((key == "gen" || key == "dis") && entry.second.IsMap()) {
        for (const auto& inner : entry.second) {
          const std::string path = key + "." + inner.first.as<std::string>();
          values[path] = inner.second;
          imported.keys[path] = location(file, inner.first);
        }
      } else {
        values[key] = entry.second;
        imported.keys[key] = location(file, entry.first);
      }
    }
  } catch (const YAML::Exception& e) {  // a key that is a list or mapping
    throw UserError({{{file, e.mark.line + 1, e.mark.column + 1}, {}, "a key that is not a name: " + e.msg}});
  }
  for (const auto& [param, key] : params) {
    auto found = values.find(key);
    if (found == values.end()) continue;
    imported.entries.push_back({param, value_of(found->second), location(file, found->second)});
    imported.used.push_back(key);
  }
  return imported;
}

std::string entry_text(const std::vector<SpecEntry>& entries, const std::string& key, const std::string& otherwise) {
  auto entry = std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == key; });
  if (entry == entries.end()) return otherwise;
  const auto* text = std::get_if<std::string>(&entry->value);
  return text ? *text : otherwise;
}

}  // namespace munit
