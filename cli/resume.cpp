#include "resume.h"

#include "munit/errors.h"

namespace munit::cli {

std::vector<std::string> resume_overrides(const Pipeline& pipeline) {
  const ResolvedNode* writer = nullptr;
  for (const auto& node : pipeline.nodes)
    if (node.schema().resume) {
      if (writer)
        throw UserError("--resume: nodes '" + writer->id + "' and '" + node.id +
                        "' both write training state; which one to resume from is ambiguous");
      writer = &node;
    }
  if (!writer) throw UserError("--resume needs a node that writes training state (io.checkpoint) to resume from");
  return writer->schema().resume(writer->params);
}

}  // namespace munit::cli
