// PipelineSpec + Registry → Pipeline. Every problem is collected before anything is thrown, so a
// user sees all of them at once.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <spdlog/fmt/fmt.h>

#include "inert.h"
#include "munit/pipeline.h"
#include "munit/plugin_loader.h"
#include "suggest.h"

namespace munit {
namespace {

std::string describe(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool v) const { return std::string("the bool ") + (v ? "true" : "false"); }
    std::string operator()(std::int64_t v) const { return "the integer " + std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("the float {}", v); }
    std::string operator()(const std::string& v) const { return "the string \"" + v + "\""; }
    std::string operator()(const StringList&) const { return "a list"; }
  };
  return std::visit(Visitor{}, value);
}

// The shortest text that reads back as the value: 65536, 0.5, 1e-08.
std::string format_number(double value) { return fmt::format("{}", value); }

// Equal as values: 10 and 10.0 are.
bool same_value(const ParamValue& a, const ParamValue& b) {
  auto number = [](const ParamValue& v) -> std::optional<double> {
    if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (auto d = std::get_if<double>(&v)) return *d;
    return std::nullopt;
  };
  if (auto x = number(a), y = number(b); x && y) return *x == *y;
  return a == b;
}

std::string range_text(const ParamSpec& spec) {
  if (spec.min && spec.max) return "[" + format_number(*spec.min) + ", " + format_number(*spec.max) + "]";
  if (spec.min) return "at least " + format_number(*spec.min);
  return "at most " + format_number(*spec.max);
}

class Validator {
 public:
  Validator(const PipelineSpec& spec, const Registry& registry)
      : spec_(spec), registry_(registry), diagnostics_(spec.problems) {}

  Pipeline run() {
    Pipeline pipeline;
    pipeline.file = spec_.file;
    pipeline.settings = spec_.settings;
    check_resources(pipeline);
    std::vector<ResolvedNode> nodes = check_nodes();
    if (diagnostics_.empty()) pipeline.nodes = sort(std::move(nodes));
    if (diagnostics_.empty()) check_shapes(pipeline);
    if (!diagnostics_.empty()) throw UserError(diagnostics_);
    if (spec_.settings.mode == Mode::Train) note_unused_keys();  // inference uses a training config in part
    pipeline.left_out = leave_out_inert(pipeline.nodes);
    pipeline.notes = std::move(notes_);
    pipeline.unread = std::move(unread_);
    return pipeline;
  }

 private:
  void error(const SourceLocation& where, const std::string& context, const std::string& message) {
    diagnostics_.push_back({where, context, message});
  }

  // Checks one value against its declaration; returns the typed value.
  std::optional<ParamValue> check_value(const ParamSpec& spec, const SpecEntry& entry, const std::string& context) {
    const ParamValue& value = entry.value;
    auto wrong_type = [&](const char* expected) {
      error(entry.where, context, std::string("expected ") + expected + ", got " + describe(value));
      return std::nullopt;
    };
    auto in_range = [&](double number) {
      if ((spec.min && number < *spec.min) || (spec.max && number > *spec.max)) {
        error(entry.where, context, "value " + format_number(number) + " is out of range: must be " + range_text(spec));
        return false;
      }
      return true;
    };
    switch (spec.type) {
      case ParamType::Bool:
        if (!std::holds_alternative<bool>(value)) return wrong_type("a bool (true or false)");
        return value;
      case ParamType::Int:
        // A float too large for the range (1e308) is out of range rather than of the wrong type.
        if (auto d = std::get_if<double>(&value); d && std::isfinite(*d) && !in_range(*d)) return std::nullopt;
        if (!std::holds_alternative<std::int64_t>(value)) return wrong_type("an integer");
        if (!in_range(static_cast<double>(std::get<std::int64_t>(value)))) return std::nullopt;
        return value;
      case ParamType::Float: {
        double number = 0;
        if (auto i = std::get_if<std::int64_t>(&value)) number = static_cast<double>(*i);
        else if (auto d = std::get_if<double>(&value)) number = *d;
        else return wrong_type("a number");
        if (!std::isfinite(number)) {
          error(entry.where, context, format_number(number) + " is not a finite number");
          return std::nullopt;
        }
        if (!in_range(number)) return std::nullopt;
        return ParamValue{number};
      }
      case ParamType::String: {
        auto text = std::get_if<std::string>(&value);
        if (!text) return wrong_type("a string");
        if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), *text) == spec.choices.end()) {
          error(entry.where, context,
                "'" + *text + "' is not one of " + join(spec.choices) + did_you_mean(*text, spec.choices));
          return std::nullopt;
        }
        return value;
      }
      case ParamType::StringList:
        if (!std::holds_alternative<StringList>(value)) return wrong_type("a list of strings");
        return value;
      case ParamType::Path: {
        auto text = std::get_if<std::string>(&value);
        if (!text) return wrong_type("a path (a string)");
        return ParamValue{resolve_path(*text, entry.where)};
      }
      case ParamType::Resource: {
        auto name = std::get_if<std::string>(&value);
        if (!name) return wrong_type("the name of a resource (a string)");
        auto& declared = declared_resources_[spec.section];
        if (!declared.count(*name)) {
          std::vector<std::string> names(declared.begin(), declared.end());
          error(entry.where, context,
                "no resource '" + *name + "' in [" + spec.section + "]" + did_you_mean(*name, names) +
                    (names.empty() ? "; declare it as [" + spec.section + "." + *name + "]"
                                   : "; declared: " + join(names)));
          return std::nullopt;
        }
        return value;
      }
    }
    return std::nullopt;
  }

  // Checks the entries that are parameters; `claimed` keys (ports, after, ...) are skipped.
  Params check_params(const std::vector<ParamSpec>& specs, const std::vector<SpecEntry>& entries,
                      const std::set<std::string>& claimed, const std::vector<std::string>& other_keys,
                      const SourceLocation& where, const std::string& context) {
    std::map<std::string, ParamValue> values;
    std::vector<std::string> known = other_keys;
    for (const auto& spec : specs) known.push_back(spec.name);
    for (const auto& entry : entries) {
      if (claimed.count(entry.key)) continue;
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.name == entry.key; });
      if (spec == specs.end()) {
        error(entry.where, context,
              "unknown key '" + entry.key + "'" + did_you_mean(entry.key, known) + "; accepted: " + join(known));
        continue;
      }
      if (auto value = check_value(*spec, entry, context + " → param '" + entry.key + "'"))
        values[entry.key] = *value;
    }
    for (const auto& spec : specs) {
      if (values.count(spec.name)) continue;
      bool given = std::any_of(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == spec.name; });
      if (spec.default_value && spec.type == ParamType::Path)
        values[spec.name] = resolve_path(std::get<std::string>(*spec.default_value));
      else if (spec.default_value)
        values[spec.name] = *spec.default_value;
      else if (!given) error(where, context, "missing required param '" + spec.name + "' (" + to_string(spec.type) + "): " + spec.help);
    }
    return Params(std::move(values));
  }

  // The entries with those a hyperparameter file gives added where the TOML is silent.
  std::vector<SpecEntry> with_imports(const Import& import, std::vector<SpecEntry> entries, const std::string& context) {
    if (!import) return entries;
    auto own = std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == import.param; });
    std::string file;
    if (own != entries.end()) {
      const auto* text = std::get_if<std::string>(&own->value);
      if (!text || text->empty()) return entries;  // a wrong type is reported by check_params
      file = resolve_path(*text, own->where);
    } else if (!spec_.settings.config.empty()) {
      file = resolve_path(spec_.settings.config, spec_.settings.config_where);
    } else if (!import.param.empty()) {
      return entries;
    }
    Imported imported;
    try {
      imported = import.read(file, entries);
    } catch (const UserError& e) {
      for (auto diagnostic : e.diagnostics()) {
        // A file every importer fails to read (missing, not YAML) is reported once, at the line naming it.
        const bool about_the_file = diagnostic.where.file.empty();
        if (about_the_file) diagnostic.where = own != entries.end() ? own->where : spec_.settings.config_where;
        else diagnostic.context = diagnostic.context.empty() ? context : context + " → " + diagnostic.context;
        if (std::none_of(diagnostics_.begin(), diagnostics_.end(), [&](const Diagnostic& d) { return d.str() == diagnostic.str(); }))
          diagnostics_.push_back(std::move(diagnostic));
      }
      return entries;
    }
    file_keys_[file].insert(imported.keys.begin(), imported.keys.end());
    used_keys_[file].insert(imported.used.begin(), imported.used.end());
    for (auto& entry : imported.entries) {
      auto toml = std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == entry.key; });
      if (toml == entries.end()) {
        entries.push_back(std::move(entry));
      } else if (!same_value(toml->value, entry.value)) {
        notes_.push_back({toml->where, context + " → param '" + entry.key + "'",
                          "this value wins over " + describe(entry.value) + " of " + entry.where.str()});
      }
    }
    return entries;
  }

  // One note per file: its keys nothing in this pipeline took, in file order, each with its line.
  void note_unused_keys() {
    for (const auto& [file, keys] : file_keys_) {
      std::vector<std::pair<int, std::string>> unused;
      for (const auto& [key, where] : keys)
        if (!used_keys_[file].count(key)) unused.emplace_back(where.line, key);
      if (unused.empty()) continue;
      std::sort(unused.begin(), unused.end());
      std::vector<std::string> named;
      for (const auto& [line, key] : unused) named.push_back(key + " (line " + std::to_string(line) + ")");
      unread_.push_back({{file}, "", "keys no node or resource of this pipeline reads: " + join(named)});
    }
  }

  // The kind's own checks, each problem at the line of the parameter it names.
  void run_check(const ParamCheck& check, const Params& params, const std::vector<SpecEntry>& entries,
                 const SourceLocation& where, const std::string& context) {
    if (!check) return;
    std::vector<ParamProblem> problems;
    try {
      problems = check(params);
    } catch (const UserError& e) {
      problems.push_back({"", e.what()});
    }
    for (const auto& problem : problems) {
      auto entry = std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == problem.param; });
      error(entry != entries.end() ? entry->where : where,
            problem.param.empty() ? context : context + " → param '" + problem.param + "'", problem.message);
    }
  }

  void check_resources(Pipeline& pipeline) {
    // Models first: optimizers name the models they update.
    for (const char* section : {"models", "optimizers"}) {
      for (const auto& spec : spec_.resources) {
        if (spec.section != section) continue;
        std::string context = "[" + spec.section + "." + spec.name + "]";
        const ResourceKind* kind = registry_.resource(spec.kind);
        if (!kind) {
          error(spec.where, context, "unknown resource kind '" + spec.kind + "'" +
                                         did_you_mean(spec.kind, registry_.resource_kinds()) +
                                         "; known: " + join(registry_.resource_kinds()));
          continue;
        }
        if (kind->schema.section != spec.section) {
          error(spec.where, context, "'" + spec.kind + "' belongs in [" + kind->schema.section + ".*]");
          continue;
        }
        context += " (" + spec.kind + ")";
        const std::vector<SpecEntry> entries = with_imports(kind->schema.import, spec.entries, context);
        const std::size_t before = diagnostics_.size();
        Params params = check_params(kind->schema.params, entries, {}, {"kind"}, spec.where, context);
        if (diagnostics_.size() == before) run_check(kind->schema.check, params, entries, spec.where, context);
        declared_resources_[spec.section].insert(spec.name);
        pipeline.resources.push_back({spec.section, spec.name, kind, std::move(params)});
      }
    }
  }

  struct PendingRef {
    int node;
    int input;  // -1: an `after` edge
    std::string text;
    SourceLocation where;
    std::string context;
  };

  std::vector<ResolvedNode> check_nodes() {
    std::vector<ResolvedNode> nodes;
    std::vector<PendingRef> refs;
    for (const auto& spec : spec_.nodes) {
      std::string context = "node '" + spec.id + "'";
      const NodeKind* kind = registry_.node(spec.kind);
      if (!kind) {
        error(spec.where, context,
              "unknown node kind '" + spec.kind + "'" + did_you_mean(spec.kind, registry_.node_kinds()) +
                  " (`munit nodes` lists every kind)");
        unresolved_.insert(spec.id);  // references to it are not reported again
        continue;
      }
      context += " (" + spec.kind + ")";
      const NodeSchema& schema = kind->schema;
      ResolvedNode node;
      node.id = spec.id;
      node.kind = kind;
      node.where = spec.where;
      node.inputs.resize(schema.inputs.size());
      const int index = static_cast<int>(nodes.size());

      std::set<std::string> claimed;
      std::vector<std::string> other_keys = {"kind", "after", "log_level"};
      for (const auto& port : schema.inputs) other_keys.push_back(port.name);
      for (const auto& entry : spec.entries) {
        auto port = std::find_if(schema.inputs.begin(), schema.inputs.end(),
                                 [&](const PortSpec& p) { return p.name == entry.key; });
        if (port != schema.inputs.end()) {
          claimed.insert(entry.key);
          std::string port_context = context + " → input '" + entry.key + "'";
          const int input = static_cast<int>(port - schema.inputs.begin());
          if (auto text = std::get_if<std::string>(&entry.value)) {
            refs.push_back({index, input, *text, entry.where, port_context});
          } else if (auto list = std::get_if<StringList>(&entry.value); list && port->list && !list->empty()) {
            for (const auto& item : *list) refs.push_back({index, input, item, entry.where, port_context});
          } else {
            error(entry.where, port_context,
                  std::string(port->list ? "expected \"node.port\" or a non-empty list of them" : "expected \"node.port\"") +
                      ", got " + describe(entry.value));
          }
        } else if (entry.key == "after") {
          claimed.insert(entry.key);
          std::string after_context = context + " → after";
          if (auto text = std::get_if<std::string>(&entry.value)) {
            refs.push_back({index, -1, *text, entry.where, after_context});
          } else if (auto list = std::get_if<StringList>(&entry.value)) {
            for (const auto& item : *list) refs.push_back({index, -1, item, entry.where, after_context});
          } else {
            error(entry.where, after_context, "expected \"node.port\" or a list of them, got " + describe(entry.value));
          }
        } else if (entry.key == "log_level") {
          claimed.insert(entry.key);
          auto text = std::get_if<std::string>(&entry.value);
          if (!text || std::find(kLogLevels.begin(), kLogLevels.end(), *text) == kLogLevels.end())
            error(entry.where, context + " → log_level", "expected one of " + join(kLogLevels));
          else
            node.log_level = *text;
        }
      }
      const std::vector<SpecEntry> entries = with_imports(schema.import, spec.entries, context);
      const std::size_t before = diagnostics_.size();
      node.params = check_params(schema.params, entries, claimed, other_keys, spec.where, context);
      node_entries_[spec.id] = entries;
      if (diagnostics_.size() == before) run_check(schema.check, node.params, entries, spec.where, context);
      for (std::size_t i = 0; i < schema.inputs.size(); ++i) {
        const PortSpec& port = schema.inputs[i];
        if (!port.optional && !claimed.count(port.name))
          error(spec.where, context,
                "required input '" + port.name + "' (" + std::string(to_string(port.kind)) +
                    ") is not connected: add " + port.name + " = \"NODE.PORT\"");
      }
      ids_[spec.id] = index;
      nodes.push_back(std::move(node));
    }
    for (const auto& ref : refs) resolve(ref, nodes);
    for (auto& node : nodes) {
      std::set<int> producers(node.after.begin(), node.after.end());
      for (const auto& bindings : node.inputs)
        for (const auto& binding : bindings) producers.insert(binding.producer);
      node.upstream.assign(producers.begin(), producers.end());
    }
    return nodes;
  }

  void resolve(const PendingRef& ref, std::vector<ResolvedNode>& nodes) {
    auto dot = ref.text.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == ref.text.size()) {
      error(ref.where, ref.context, "'" + ref.text + "' is not a reference: expected \"node.port\"");
      return;
    }
    std::string node_id = ref.text.substr(0, dot);
    std::string port_name = ref.text.substr(dot + 1);
    auto found = ids_.find(node_id);
    if (found == ids_.end() && unresolved_.count(node_id)) return;
    if (found == ids_.end()) {
      std::vector<std::string> ids;
      for (const auto& spec : spec_.nodes) ids.push_back(spec.id);
      error(ref.where, ref.context, "no node named '" + node_id + "'" + did_you_mean(node_id, ids));
      return;
    }
    const ResolvedNode& producer = nodes[found->second];
    const auto& outputs = producer.schema().outputs;
    std::vector<std::string> names;
    for (const auto& port : outputs) names.push_back(port.name);
    names.emplace_back(kDonePort);
    auto position = std::find(names.begin(), names.end(), port_name);
    if (position == names.end()) {
      error(ref.where, ref.context,
            "node '" + node_id + "' (" + producer.schema().kind + ") has no output '" + port_name + "'" +
                did_you_mean(port_name, names) + "; its outputs: " + join(names));
      return;
    }
    int port = static_cast<int>(position - names.begin());
    ResolvedNode& consumer = nodes[ref.node];
    if (ref.input < 0) {
      consumer.after.push_back(found->second);
      return;
    }
    const PortSpec& input = consumer.schema().inputs[ref.input];
    ValueKind produced = port < static_cast<int>(outputs.size()) ? outputs[port].kind : ValueKind::Signal;
    if (produced != input.kind) {
      error(ref.where, ref.context,
            "'" + ref.text + "' is " + std::string(to_string(produced)) + ", but this input takes " +
                std::string(to_string(input.kind)) + "; connect an output of kind " + std::string(to_string(input.kind)));
      return;
    }
    consumer.inputs[ref.input].push_back({found->second, port});
  }

  // Topological order (ties broken by position in the file); reports a cycle by its nodes.
  std::vector<ResolvedNode> sort(std::vector<ResolvedNode> nodes) {
    const int n = static_cast<int>(nodes.size());
    std::vector<int> state(n, 0);  // 0 new, 1 on the stack, 2 done
    std::vector<int> order, stack;
    std::vector<int> by_line(n);
    for (int i = 0; i < n; ++i) by_line[i] = i;
    std::stable_sort(by_line.begin(), by_line.end(),
                     [&](int a, int b) { return nodes[a].where.line < nodes[b].where.line; });
    std::function<bool(int)> visit = [&](int i) {
      if (state[i] == 2) return true;
      if (state[i] == 1) {
        auto start = std::find(stack.begin(), stack.end(), i);
        std::string path;
        for (auto it = start; it != stack.end(); ++it) path += nodes[*it].id + " → ";
        error(nodes[i].where, "", "the graph has a cycle: " + path + nodes[i].id +
                                      " (an input or `after` may not depend on the node itself)");
        return false;
      }
      state[i] = 1;
      stack.push_back(i);
      for (int producer : nodes[i].upstream)
        if (!visit(producer)) return false;
      stack.pop_back();
      state[i] = 2;
      order.push_back(i);
      return true;
    };
    for (int i : by_line)
      if (!visit(i)) return {};

    std::vector<int> position(n);
    for (int i = 0; i < n; ++i) position[order[i]] = i;
    std::vector<ResolvedNode> sorted;
    for (int i : order) {
      ResolvedNode node = std::move(nodes[i]);
      for (auto& bindings : node.inputs)
        for (auto& binding : bindings) binding.producer = position[binding.producer];
      for (auto& producer : node.after) producer = position[producer];
      for (auto& producer : node.upstream) producer = position[producer];
      std::sort(node.upstream.begin(), node.upstream.end());
      sorted.push_back(std::move(node));
    }
    return sorted;
  }

  class Shapes : public ShapeContext {
   public:
    Shapes(Validator& validator, const Pipeline& pipeline, int index,
           std::map<std::pair<int, int>, StaticShape>& shapes)
        : v_(validator), pipeline_(pipeline), index_(index), node_(pipeline.nodes[index]), shapes_(shapes) {}
    const Params& params() const override { return node_.params; }
    StaticShape input(std::string_view port) const override {
      const InputBinding* binding = first(port);
      if (!binding) return {};
      auto shape = shapes_.find({binding->producer, binding->port});
      return shape == shapes_.end() ? StaticShape{} : shape->second;
    }
    std::string producer(std::string_view port) const override {
      const InputBinding* binding = first(port);
      if (!binding) return "";
      const ResolvedNode& producer = pipeline_.nodes[binding->producer];
      const auto& outputs = producer.schema().outputs;
      return producer.id + "." +
             (binding->port < static_cast<int>(outputs.size()) ? outputs[binding->port].name : std::string(kDonePort));
    }
    const Params* resource(const std::string& param) const override {
      const auto& specs = node_.schema().params;
      auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == param; });
      if (spec == specs.end() || spec->type != ParamType::Resource) return nullptr;
      const std::string name = node_.params.get<std::string>(param);
      for (const auto& r : pipeline_.resources)
        if (r.section == spec->section && r.name == name) return &r.params;
      return nullptr;
    }
    void output(std::string_view port, StaticShape shape) override {
      const auto& outputs = node_.schema().outputs;
      for (std::size_t k = 0; k < outputs.size(); ++k)
        if (outputs[k].name == port) shapes_[{index_, static_cast<int>(k)}] = shape;
    }
    void problem(const std::string& key, const std::string& message) override {
      const auto& entries = v_.node_entries_[node_.id];
      auto entry = std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == key; });
      v_.error(entry != entries.end() ? entry->where : node_.where,
               "node '" + node_.id + "' (" + node_.schema().kind + ")", message);
    }

   private:
    const InputBinding* first(std::string_view port) const {
      const auto& inputs = node_.schema().inputs;
      for (std::size_t k = 0; k < inputs.size(); ++k)
        if (inputs[k].name == port && !node_.inputs[k].empty()) return &node_.inputs[k].front();
      return nullptr;
    }
    Validator& v_;
    const Pipeline& pipeline_;
    int index_;
    const ResolvedNode& node_;
    std::map<std::pair<int, int>, StaticShape>& shapes_;
  };

  // Shapes known before anything runs flow through the graph in topological order.
  void check_shapes(const Pipeline& pipeline) {
    std::map<std::pair<int, int>, StaticShape> shapes;
    for (int i = 0; i < static_cast<int>(pipeline.nodes.size()); ++i) {
      const ShapeRule& rule = pipeline.nodes[i].schema().shapes;
      if (!rule) continue;
      Shapes context(*this, pipeline, i, shapes);
      rule(context);
    }
  }

  // Relative to the folder of the file that wrote the value: the pipeline's, or one it includes.
  std::string resolve_path(const std::string& text, const SourceLocation& written_at = {}) const {
    std::filesystem::path path(text);
    if (path.is_absolute() || text.empty()) return text;
    std::filesystem::path dir = spec_.dir;
    if (written_at.line > 0 && written_at.file != spec_.file)
      dir = std::filesystem::absolute(written_at.file).parent_path();
    return (dir / path).lexically_normal().string();
  }

  const PipelineSpec& spec_;
  const Registry& registry_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, int> ids_;
  std::set<std::string> unresolved_;
  std::map<std::string, std::set<std::string>> declared_resources_;
  std::vector<Diagnostic> notes_, unread_;
  std::map<std::string, std::vector<SpecEntry>> node_entries_;  // with what the node imported
  std::map<std::string, std::map<std::string, SourceLocation>> file_keys_;
  std::map<std::string, std::set<std::string>> used_keys_;
};

}  // namespace

Pipeline validate(const PipelineSpec& spec, const Registry& registry) { return Validator(spec, registry).run(); }

Pipeline load_pipeline(const std::string& path, Registry& registry, const std::vector<std::string>& overrides) {
  PipelineSpec spec = parse_pipeline_file(path, overrides);
  std::vector<Diagnostic> problems = spec.problems;
  for (const auto& plugin : spec.plugins) {
    try {
      load_plugin(registry, find_plugin(plugin.path, spec.dir));
    } catch (const UserError& e) {
      problems.push_back({plugin.where, "[plugins] → " + plugin.name, e.what()});
    }
  }
  if (problems.size() > spec.problems.size()) throw UserError(problems);
  return validate(spec, registry);
}

}  // namespace munit
