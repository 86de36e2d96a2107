// TOML → PipelineSpec. toml++ keeps source positions, so every diagnostic names file:line:column.
#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>
#include <thread>

#include <toml++/toml.h>

#include "munit/spec.h"
#include "spec_include.h"
#include "suggest.h"

namespace munit {
namespace {

const std::vector<std::string> kSections = {"pipeline", "plugins", "models", "optimizers", "nodes"};

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  SourceLocation at(const toml::node& node) const { return at(node.source()); }
  SourceLocation at(const toml::source_region& region) const {
    // Values replaced by --set lose their source region when copied in.
    if (region.begin.line == 0) return {file_ + " (a --set value)"};
    std::string file = region.path ? *region.path : file_;
    return {file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  }

  void error(SourceLocation where, std::string context, std::string message) {
    diagnostics_.push_back({std::move(where), std::move(context), std::move(message)});
  }

  PipelineSpec parse(const toml::table& root) {
    PipelineSpec spec;
    spec.file = file_;
    for (auto&& [key, value] : root) {
      std::string name(key.str());
      if (std::find(kSections.begin(), kSections.end(), name) == kSections.end()) {
        error(at(key.source()), "", "unknown section '" + name + "'" + did_you_mean(name, kSections) +
                                        "; expected one of " + join(kSections));
        continue;
      }
      const toml::table* table = value.as_table();
      if (!table) {
        error(at(value), "", "'" + name + "' must be a table ([" + name + "])");
        continue;
      }
      if (name == "pipeline") parse_settings(*table, spec.settings);
      if (name == "plugins") parse_plugins(*table, spec.plugins);
      if (name == "models" || name == "optimizers") parse_resources(name, *table, spec.resources);
      if (name == "nodes") parse_nodes(*table, spec.nodes);
    }
    if (spec.nodes.empty() && diagnostics_.empty())
      error({file_}, "", "the pipeline has no nodes: add at least one [nodes.NAME] table");
    spec.problems = diagnostics_;
    return spec;
  }

 private:
  // A TOML value as a parameter value; tables, dates and mixed arrays are refused.
  std::optional<ParamValue> convert(const toml::node& node, const std::string& context) {
    if (auto v = node.as_boolean()) return ParamValue{v->get()};
    if (auto v = node.as_integer()) return ParamValue{v->get()};
    if (auto v = node.as_floating_point()) return ParamValue{v->get()};
    if (auto v = node.as_string()) return ParamValue{v->get()};
    if (auto array = node.as_array()) {
      StringList items;
      for (auto&& item : *array) {
        if (!item.is_string()) {
          error(at(item), context, "lists may hold strings only");
          return std::nullopt;
        }
        items.push_back(item.as_string()->get());
      }
      return ParamValue{items};
    }
    error(at(node), context, "unsupported value: expected a bool, number, string or list of strings");
    return std::nullopt;
  }

  template <class T>
  bool read(const toml::node& node, const std::string& key, T& out, const char* expected) {
    auto value = node.value<T>();
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (!node.is_integer()) value.reset();
    }
    if (!value) {
      error(at(node), "[pipeline] → " + key, std::string("expected ") + expected);
      return false;
    }
    out = *value;
    return true;
  }

  void read_choice(const toml::node& node, const std::string& key, std::string& out,
                   const std::vector<std::string>& choices) {
    std::string value;
    if (!read(node, key, value, "a string")) return;
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      error(at(node), "[pipeline] → " + key,
            "'" + value + "' is not one of " + join(choices) + did_you_mean(value, choices));
      return;
    }
    out = value;
  }

  // A whole number of at least `min` (and at most `max`, for `why`), stored into an integer of any width.
  template <class Integer>
  void read_count(const toml::node& node, const std::string& key, std::int64_t min, Integer& out,
                  std::int64_t max = std::numeric_limits<std::int64_t>::max(), const std::string& why = "") {
    std::int64_t value = 0;
    if (!read(node, key, value, "an integer")) return;
    if (value < min || value > max) {
      error(at(node), "[pipeline] → " + key,
            "value " + std::to_string(value) + " is out of range: must be " +
                (value < min ? "at least " + std::to_string(min) : "at most " + std::to_string(max) + why));
      return;
    }
    out = static_cast<Integer>(value);
  }

  void parse_settings(const toml::table& table, PipelineSettings& settings) {
    const std::string per_core = " (4 per hardware thread of this machine)";
    static const std::vector<std::string> keys = {"mode", "device", "precision", "seed", "frames_in_flight",
                                                   "threads", "intra_op_threads", "compute_lanes", "frames",
                                                   "first_frame", "deterministic", "channels_last", "log_level",
                                                   "config"};
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      if (name == "mode") {
        std::string mode = settings.mode == Mode::Train ? "train" : "infer";
        read_choice(node, name, mode, {"train", "infer"});
        settings.mode = mode == "train" ? Mode::Train : Mode::Infer;
      } else if (name == "device") {
        std::string device;
        if (!read(node, name, device, "a string")) continue;
        bool cuda_n = device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
                      device.find_first_not_of("0123456789", 5) == std::string::npos;
        if (device != "auto" && device != "cpu" && device != "cuda" && !cuda_n)
          error(at(node), "[pipeline] → device", "'" + device + "' is not a device: use auto, cpu, cuda or cuda:N");
        else
          settings.device = device;
      } else if (name == "precision") {
        read_choice(node, name, settings.precision, {"fp32", "bf16", "fp16"});
      } else if (name == "log_level") {
        read_choice(node, name, settings.log_level, kLogLevels);
      } else if (name == "seed") {
        read_count(node, name, 0, settings.seed);
      } else if (name == "frames_in_flight") {
        read_count(node, name, 1, settings.frames_in_flight, kMaxFramesInFlight);
      } else if (name == "threads") {
        read_count(node, name, 0, settings.threads, max_threads(), per_core);
      } else if (name == "intra_op_threads") {
        read_count(node, name, 0, settings.intra_op_threads, max_threads(), per_core);
      } else if (name == "compute_lanes") {
        read_count(node, name, 0, settings.compute_lanes, max_threads(), per_core);
      } else if (name == "frames") {
        read_count(node, name, 0, settings.frames);
      } else if (name == "deterministic") {
        read(node, name, settings.deterministic, "true or false");
      } else if (name == "channels_last") {
        read(node, name, settings.channels_last, "true or false");
      } else if (name == "first_frame") {
        read_count(node, name, 0, settings.first_frame);
      } else if (name == "config") {
        if (read(node, name, settings.config, "a string: the path of a hyperparameter file")) settings.config_where = at(node);
      } else {
        error(at(key.source()), "[pipeline]",
              "unknown key '" + name + "'" + did_you_mean(name, keys) + "; accepted: " + join(keys));
      }
    }
  }

  void parse_plugins(const toml::table& table, std::vector<PluginSpec>& plugins) {
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      if (!node.is_string()) {
        error(at(node), "[plugins] → " + name, "expected a string: the plugin's path or name");
        continue;
      }
      plugins.push_back({name, node.as_string()->get(), at(node)});
    }
  }

  // The entries of a [section.NAME] table, with `kind` taken out.
  bool parse_entries(const toml::table& table, const std::string& context, std::string& kind,
                     std::vector<SpecEntry>& entries) {
    bool has_kind = false;
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      if (name == "kind") {
        if (!node.is_string()) {
          error(at(node), context, "'kind' must be a string");
          continue;
        }
        kind = node.as_string()->get();
        has_kind = true;
        continue;
      }
      if (auto value = convert(node, context + " → " + name)) entries.push_back({name, *value, at(node)});
    }
    if (!has_kind) error(at(table), context, "missing 'kind'");
    return has_kind;
  }

  void parse_resources(const std::string& section, const toml::table& table, std::vector<ResourceSpec>& out) {
    for (auto&& [key, node] : table) {
      std::string name(key.str());
      std::string context = "[" + section + "." + name + "]";
      const toml::table* body = node.as_table();
      if (!body) {
        error(at(node), context, "expected a table");
        continue;
      }
      ResourceSpec spec{section, name, {}, at(key.source()), {}};
      if (parse_entries(*body, context, spec.kind, spec.entries)) out.push_back(std::move(spec));
    }
  }

  void parse_nodes(const toml::table& table, std::vector<NodeSpec>& nodes) {
    for (auto&& [key, node] : table) {
      std::string id(key.str());
      std::string context = "node '" + id + "'";
      const toml::table* body = node.as_table();
      if (!body) {
        error(at(node), context, "expected a table: [nodes." + id + "]");
        continue;
      }
      NodeSpec spec{id, {}, at(key.source()), {}};
      if (parse_entries(*body, context, spec.kind, spec.entries)) nodes.push_back(std::move(spec));
    }
  }

  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

const char* type_name(const toml::node& node) {
  if (node.is_boolean()) return "a bool";
  if (node.is_integer()) return "an integer";
  if (node.is_floating_point()) return "a float";
  if (node.is_string()) return "a string";
  if (node.is_array()) return "a list";
  if (node.is_table()) return "a table";
  return "a date or time";
}

// Applies one "section.key=value" to the document. The new value keeps the type of the one it
// replaces (an integer may replace a float); a value that is no TOML literal is taken as a string.
void apply_override(toml::table& root, const std::string& assignment) {
  auto fail = [&](const std::string& message) {
    throw UserError(std::vector<Diagnostic>{{{"--set " + assignment}, {}, message}});
  };
  auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) fail("expected section.key=value");
  std::string path = assignment.substr(0, equals);
  std::string text = assignment.substr(equals + 1);

  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  if (parts.size() < 2) fail("expected section.key=value, e.g. pipeline.seed=3 or nodes.images.batch=8");

  toml::table* table = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* child = table->get(parts[i]);
    if (!child && i == 0 && parts[0] == "pipeline") child = &table->insert("pipeline", toml::table{}).first->second;
    if (!child) {
      std::vector<std::string> names;
      for (auto&& [key, value] : *table) names.push_back(std::string(key.str()));
      fail("no table '" + parts[i] + "'" + did_you_mean(parts[i], names));
    }
    table = child->as_table();
    if (!table) fail("'" + parts[i] + "' is not a table");
  }

  toml::table literal;
  bool is_literal = true;
  try {
    literal = toml::parse("v = " + text, "--set " + assignment);
  } catch (const toml::parse_error&) {
    is_literal = false;
  }
  const std::string& key = parts.back();
  toml::node* existing = table->get(key);
  toml::node* replacement = is_literal ? literal.get("v") : nullptr;

  if (existing && existing->is_string()) {
    if (!replacement || !replacement->is_string()) {
      table->insert_or_assign(key, text);
      return;
    }
  } else if (!replacement) {
    if (existing) fail(std::string("expected ") + type_name(*existing) + ", like the value it replaces");
    table->insert_or_assign(key, text);
    return;
  } else if (existing && existing->type() != replacement->type() &&
             !(existing->is_floating_point() && replacement->is_integer())) {
    fail(std::string("expected ") + type_name(*existing) + ", like the value it replaces, got " +
         type_name(*replacement));
  }
  if (existing && existing->is_floating_point() && replacement->is_integer())
    table->insert_or_assign(key, static_cast<double>(replacement->as_integer()->get()));
  else
    table->insert_or_assign(key, *replacement);
}

PipelineSpec parse(toml::table root, const std::string& name, const std::vector<std::string>& overrides) {
  for (const auto& assignment : overrides) apply_override(root, assignment);
  return Parser(name).parse(root);
}

UserError syntax_error(const toml::parse_error& e, const std::string& name) {
  const auto& begin = e.source().begin;
  return UserError(std::vector<Diagnostic>{
      {{name, static_cast<int>(begin.line), static_cast<int>(begin.column)}, {},
       "malformed TOML: " + std::string(e.description())}});
}

}  // namespace

int max_threads() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

PipelineSpec parse_pipeline_text(std::string_view text, const std::string& name,
                                 const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw syntax_error(e, name);
  }
  PipelineSpec spec = parse(std::move(root), name, overrides);
  spec.dir = std::filesystem::current_path().string();
  return spec;
}

std::string apply_overrides(std::string_view text, const std::string& name, const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw syntax_error(e, name);
  }
  for (const auto& assignment : overrides) apply_override(root, assignment);
  std::ostringstream out;
  out << root << "\n";
  return out.str();
}

PipelineSpec parse_pipeline_file(const std::string& path, const std::vector<std::string>& overrides) {
  PipelineSpec spec = parse(read_pipeline_toml(path), path, overrides);
  spec.dir = std::filesystem::absolute(path).parent_path().string();
  return spec;
}

}  // namespace munit
