#include "describe.h"

#include <sstream>

#include <spdlog/fmt/fmt.h>

namespace munit::cli {
namespace {

std::string value_text(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
    std::string operator()(const StringList& v) const {
      return v.empty() ? "[]" : fmt::format("[\"{}\"]", fmt::join(v, "\", \""));
    }
  };
  return std::visit(Visitor{}, value);
}

nlohmann::json value_json(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

std::string constraint_text(const ParamSpec& param) {
  std::string text;
  if (param.min && param.max) text = fmt::format("range [{}, {}]", *param.min, *param.max);
  else if (param.min) text = fmt::format("at least {}", *param.min);
  else if (param.max) text = fmt::format("at most {}", *param.max);
  if (!param.choices.empty()) text += fmt::format("one of {}", fmt::join(param.choices, " "));
  if (param.type == ParamType::Resource) text += fmt::format("names a [{}.*] entry", param.section);
  return text;
}

void params_text(std::ostringstream& out, const std::vector<ParamSpec>& params) {
  out << "  params:\n";
  if (params.empty()) out << "    (none)\n";
  for (const auto& param : params) {
    out << "    " << param.name << " (" << to_string(param.type) << ") = "
        << (param.default_value ? value_text(*param.default_value) : "(required)");
    std::string constraint = constraint_text(param);
    if (!constraint.empty()) out << "  [" << constraint << "]";
    out << "\n      " << param.help << "\n";
  }
}

nlohmann::json params_json(const std::vector<ParamSpec>& params) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& param : params) {
    nlohmann::json entry = {{"name", param.name}, {"type", to_string(param.type)}, {"help", param.help},
                            {"required", !param.default_value.has_value()}};
    if (param.default_value) entry["default"] = value_json(*param.default_value);
    if (param.min) entry["min"] = *param.min;
    if (param.max) entry["max"] = *param.max;
    if (!param.choices.empty()) entry["choices"] = param.choices;
    if (param.type == ParamType::Resource) entry["section"] = param.section;
    array.push_back(entry);
  }
  return array;
}

std::string traits(const NodeSchema& schema) {
  std::string text = schema.concurrency == Concurrency::Parallel ? "parallel" : "serial";
  if (schema.is_source()) text += ", source";
  if (schema.compute) text += ", compute";
  if (schema.model_region) text += ", model region (waits for the previous frame's optimizer steps)";
  if (schema.resume) text += ", resumable (munit run --resume)";
  if (!schema.inert_when_zero.empty()) text += ", left out when " + schema.inert_when_zero + " = 0";
  return text;
}

}  // namespace

std::string summary_line(const NodeKind& kind) {
  std::ostringstream out;
  out << kind.schema.kind << "  —  " << kind.schema.help;
  if (kind.origin != "built-in") out << "  [" << kind.origin << "]";
  return out.str();
}

std::string describe_text(const NodeKind& kind) {
  const NodeSchema& schema = kind.schema;
  std::ostringstream out;
  out << schema.kind << "\n  " << schema.help << "\n  origin: " << kind.origin << "\n  runs: " << traits(schema)
      << "\n";
  out << "  inputs:\n";
  if (schema.inputs.empty()) out << "    (none: a source, run once per frame)\n";
  for (const auto& port : schema.inputs)
    out << "    " << port.name << " (" << to_string(port.kind) << (port.optional ? ", optional" : "") << (port.list ? ", a list" : "") << ")  "
        << port.help << "\n";
  out << "  outputs:\n";
  for (const auto& port : schema.outputs)
    out << "    " << port.name << " (" << to_string(port.kind) << ")  " << port.help << "\n";
  out << "    " << kDonePort << " (signal)  emitted when the node has processed a frame\n";
  params_text(out, schema.params);
  out << "  every node also takes: after = \"NODE.PORT\" (or a list): run after that output, "
         "log_level = \"debug\"...\n";
  return out.str();
}

nlohmann::json describe_json(const NodeKind& kind) {
  const NodeSchema& schema = kind.schema;
  auto ports = [](const std::vector<PortSpec>& list) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& port : list)
      array.push_back({{"name", port.name}, {"kind", to_string(port.kind)}, {"optional", port.optional}, {"list", port.list},
                       {"help", port.help}});
    return array;
  };
  nlohmann::json outputs = ports(schema.outputs);
  outputs.push_back({{"name", kDonePort}, {"kind", "signal"}, {"optional", false},
                     {"help", "emitted when the node has processed a frame"}});
  return {{"kind", schema.kind},
          {"help", schema.help},
          {"origin", kind.origin},
          {"concurrency", schema.concurrency == Concurrency::Parallel ? "parallel" : "serial"},
          {"source", schema.is_source()},
          {"compute", schema.compute},
          {"inert_when_zero", schema.inert_when_zero},
          {"model_region", schema.model_region},
          {"resumable", static_cast<bool>(schema.resume)},
          {"inputs", ports(schema.inputs)},
          {"outputs", outputs},
          {"params", params_json(schema.params)}};
}

std::string summary_line(const ResourceKind& kind) {
  std::ostringstream out;
  out << kind.schema.kind << "  [" << kind.schema.section << ".*]  —  " << kind.schema.help;
  if (kind.origin != "built-in") out << "  [" << kind.origin << "]";
  return out.str();
}

std::string describe_text(const ResourceKind& kind) {
  std::ostringstream out;
  out << kind.schema.kind << "\n  " << kind.schema.help << "\n  origin: " << kind.origin << "\n  declared as: ["
      << kind.schema.section << ".NAME] with kind = \"" << kind.schema.kind << "\"\n";
  params_text(out, kind.schema.params);
  return out.str();
}

nlohmann::json describe_json(const ResourceKind& kind) {
  return {{"kind", kind.schema.kind},
          {"help", kind.schema.help},
          {"origin", kind.origin},
          {"section", kind.schema.section},
          {"params", params_json(kind.schema.params)}};
}

}  // namespace munit::cli
