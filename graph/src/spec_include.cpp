#include "spec_include.h"

#include <filesystem>
#include <vector>

#include "munit/errors.h"
#include "munit/read_file.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

Diagnostic at(const toml::source_region& region, const std::string& fallback, std::string message) {
  return {{region.path ? *region.path : fallback, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)},
          {},
          std::move(message)};
}

toml::table parse_file(const std::string& path) {
  std::string text;
  try {
    text = read_regular_file(path, kMaxTextFileBytes);
  } catch (const FileError& e) {
    throw UserError(std::vector<Diagnostic>{{{path}, {}, "cannot read the pipeline file: " + e.reason()}});
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UserError(std::vector<Diagnostic>{at(e.source(), path, "malformed TOML: " + std::string(e.description()))});
  }
}

std::string kind_of(const toml::node& table) {
  const toml::node* kind = table.as_table() ? table.as_table()->get("kind") : nullptr;
  return kind && kind->is_string() ? kind->as_string()->get() : std::string();
}

void lay_over(toml::table& base, toml::table&& top) {
  for (auto&& [key, value] : top) {
    toml::node* below = base.get(key);
    const bool section = key == "models" || key == "optimizers" || key == "nodes";
    if (below && below->is_table() && value.is_table() && key == "pipeline") {
      for (auto&& [name, setting] : *value.as_table()) below->as_table()->insert_or_assign(name, std::move(setting));
    } else if (below && below->is_table() && value.is_table() && section) {
      for (auto&& [name, item] : *value.as_table()) {
        toml::node* old = below->as_table()->get(name);
        const std::string kind = kind_of(item);
        if (old && old->is_table() && item.is_table() && (kind.empty() || kind == kind_of(*old))) {
          for (auto&& [param, setting] : *item.as_table()) old->as_table()->insert_or_assign(param, std::move(setting));
        } else {
          below->as_table()->insert_or_assign(name, std::move(item));
        }
      }
    } else {
      base.insert_or_assign(key, std::move(value));
    }
  }
}

toml::table read(const std::string& path, std::vector<std::string>& chain) {
  toml::table root = parse_file(path);
  toml::node* include = root.get("include");
  if (!include) return root;
  if (!include->is_string())
    throw UserError(std::vector<Diagnostic>{at(include->source(), path, "include: expected a file name (a string)")});
  const std::string base_path =
      (fs::path(path).parent_path() / include->as_string()->get()).lexically_normal().string();
  const std::string canonical = fs::weakly_canonical(base_path).string();
  for (const auto& seen : chain)
    if (seen == canonical)
      throw UserError(std::vector<Diagnostic>{at(include->source(), path, "include cycle: '" + base_path + "' includes this file again")});
  if (!fs::exists(base_path))
    throw UserError(std::vector<Diagnostic>{at(include->source(), path, "include: no file '" + base_path + "'")});
  try {
    RegularFile checked(base_path, kMaxTextFileBytes);  // a directory, FIFO, device or huge file: refused here, at the include
  } catch (const FileError& e) {
    throw UserError(std::vector<Diagnostic>{at(include->source(), path, "include: cannot read '" + base_path + "': " + e.reason())});
  }
  chain.push_back(canonical);
  toml::table base = read(base_path, chain);
  root.erase("include");
  lay_over(base, std::move(root));
  return base;
}

}  // namespace

toml::table read_pipeline_toml(const std::string& path) {
  std::vector<std::string> chain{fs::weakly_canonical(path).string()};
  return read(path, chain);
}

}  // namespace munit
