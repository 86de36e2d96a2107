#include "munit/render.h"

#include <algorithm>
#include <sstream>

#include <spdlog/fmt/fmt.h>

namespace munit {
namespace {

std::string output_name(const ResolvedNode& producer, int port) {
  const auto& outputs = producer.schema().outputs;
  return port < static_cast<int>(outputs.size()) ? outputs[port].name : std::string(kDonePort);
}

// A TOML basic string (also a valid DOT string for the characters names use).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04X}", c);
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string toml_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      std::string text = fmt::format("{}", v);  // the shortest text that reads back as v
      if (text.find_first_of(".einf") == std::string::npos) text += ".0";  // stays a float in TOML
      return text;
    }
    std::string operator()(const std::string& v) const { return quoted(v); }
    std::string operator()(const StringList& v) const {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quoted(v[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

void write_params(std::ostream& out, const std::vector<ParamSpec>& specs, const Params& params) {
  for (const auto& spec : specs) {
    auto value = params.values().find(spec.name);
    if (value != params.values().end()) out << spec.name << " = " << toml_value(value->second) << "\n";
  }
}

}  // namespace

std::string to_toml(const Pipeline& pipeline) {
  const PipelineSettings& s = pipeline.settings;
  std::ostringstream out;
  out << "# " << pipeline.file << " as validated: every parameter with the value the run uses\n"
      << "[pipeline]\nmode = " << quoted(s.mode == Mode::Train ? "train" : "infer") << "\ndevice = " << quoted(s.device)
      << "\nprecision = " << quoted(s.precision) << "\nseed = " << s.seed << "\nframes = " << s.frames
      << "\nframes_in_flight = " << s.frames_in_flight << "\nthreads = " << s.threads
      << "\nintra_op_threads = " << s.intra_op_threads << "\ncompute_lanes = " << s.compute_lanes
      << "\ndeterministic = " << (s.deterministic ? "true" : "false")
      << "\nchannels_last = " << (s.channels_last ? "true" : "false") << "\nfirst_frame = " << s.first_frame
      << "\nlog_level = " << quoted(s.log_level) << "\n";
  // [pipeline] config is left out: every value it gave is written in below.
  for (const auto& resource : pipeline.resources) {
    out << "\n[" << resource.section << "." << resource.name << "]\nkind = " << quoted(resource.kind->schema.kind) << "\n";
    write_params(out, resource.kind->schema.params, resource.params);
  }
  for (const auto& node : pipeline.nodes) {
    const auto& schema = node.schema();
    out << "\n[nodes." << node.id << "]\nkind = " << quoted(schema.kind) << "\n";
    if (std::find(pipeline.left_out.begin(), pipeline.left_out.end(), node.id) != pipeline.left_out.end())
      out << "# left out: it contributes nothing\n";
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      StringList refs;
      for (const auto& binding : node.inputs[k]) {
        const auto& producer = pipeline.nodes[binding.producer];
        refs.push_back(producer.id + "." + output_name(producer, binding.port));
      }
      if (refs.empty()) continue;
      out << schema.inputs[k].name << " = "
          << (schema.inputs[k].list ? toml_value(refs) : toml_value(refs.front())) << "\n";
    }
    StringList after;
    for (int producer : node.after) after.push_back(pipeline.nodes[producer].id + ".done");
    if (!after.empty()) out << "after = " << toml_value(after) << "\n";
    if (!node.log_level.empty()) out << "log_level = " << quoted(node.log_level) << "\n";
    write_params(out, schema.params, node.params);
  }
  return out.str();
}

std::string to_dot(const Pipeline& pipeline) {
  std::ostringstream dot;
  dot << "digraph pipeline {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  for (const auto& node : pipeline.nodes) {
    const auto& schema = node.schema();
    std::string traits = schema.concurrency == Concurrency::Parallel ? "parallel" : "serial";
    if (schema.compute) traits += ", compute";
    dot << "  " << quoted(node.id) << " [label=" << quoted(node.id + "\\n" + schema.kind + "\\n(" + traits + ")")
        << (schema.is_source() ? ", shape=box3d" : "") << "];\n";
  }
  for (const auto& node : pipeline.nodes) {
    const auto& schema = node.schema();
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      for (const auto& binding : node.inputs[k]) {
        const auto& producer = pipeline.nodes[binding.producer];
        dot << "  " << quoted(producer.id) << " -> " << quoted(node.id) << " [label="
            << quoted(output_name(producer, binding.port) + " → " + schema.inputs[k].name) << "];\n";
      }
    }
    for (int producer : node.after)
      dot << "  " << quoted(pipeline.nodes[producer].id) << " -> " << quoted(node.id)
          << " [style=dashed, label=\"after\"];\n";
  }
  dot << "}\n";
  return dot.str();
}

std::string to_text(const Pipeline& pipeline) {
  std::ostringstream text;
  text << pipeline.file << ": " << pipeline.nodes.size() << " nodes, in the order they run\n";
  for (const auto& node : pipeline.nodes) {
    const auto& schema = node.schema();
    text << "  " << node.id << " (" << schema.kind << ", "
         << (schema.concurrency == Concurrency::Parallel ? "parallel" : "serial") << ")\n";
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      for (const auto& binding : node.inputs[k]) {
        const auto& producer = pipeline.nodes[binding.producer];
        text << "    " << schema.inputs[k].name << " ← " << producer.id << "." << output_name(producer, binding.port)
             << "\n";
      }
    }
    for (int producer : node.after) text << "    after " << pipeline.nodes[producer].id << "\n";
  }
  return text.str();
}

}  // namespace munit
