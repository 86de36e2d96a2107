#include "munit/render.h"

#include <sstream>

namespace munit {
namespace {

std::string output_name(const ResolvedNode& producer, int port) {
  const auto& outputs = producer.schema().outputs;
  return port < static_cast<int>(outputs.size()) ? outputs[port].name : std::string(kDonePort);
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

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
