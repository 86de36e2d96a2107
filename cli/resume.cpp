#include "resume.h"

#include <spdlog/spdlog.h>

#include "munit/errors.h"
#include "nodes/munit/checkpoint.h"

namespace fs = std::filesystem;

namespace munit::cli {

std::vector<std::string> resume_overrides(const Pipeline& pipeline) {
  const ResolvedNode* writer = nullptr;
  for (const auto& node : pipeline.nodes)
    if (node.schema().kind == "io.checkpoint") {
      if (writer) throw UserError("--resume: the pipeline has several io.checkpoint nodes; which one to resume from is ambiguous");
      writer = &node;
    }
  if (!writer) throw UserError("--resume needs an io.checkpoint node: it names the folder to resume from");
  const fs::path dir = writer->params.get<std::string>("dir");
  auto latest = model::latest_checkpoint(dir, "gen");
  if (!latest) {
    spdlog::warn("--resume: no checkpoint in {} yet; starting from the beginning", dir.string());
    return {};
  }
  const std::int64_t iterations = model::iterations_of(*latest);
  const fs::path dis = model::checkpoint_path(dir, "dis", iterations);
  const fs::path optimizer = dir / "optimizer.pt";
  for (const fs::path& needed : {dis, optimizer})
    if (!fs::exists(needed))
      throw UserError("--resume: " + latest->string() + " has no matching " + needed.string());
  spdlog::info("resuming from {} ({} iterations done)", latest->string(), iterations);

  auto param = [&](const char* name) { return writer->params.get<std::string>(name); };
  std::vector<std::string> overrides;
  for (auto [model, file, entry] : {std::tuple{"gen_a", *latest, "a"}, {"gen_b", *latest, "b"}, {"dis_a", dis, "a"},
                                    {"dis_b", dis, "b"}}) {
    overrides.push_back("models." + param(model) + ".checkpoint=" + file.string());
    overrides.push_back("models." + param(model) + ".entry=" + entry);
  }
  for (auto [name, entry] : {std::pair{"gen_optimizer", "gen"}, {"dis_optimizer", "dis"}}) {
    overrides.push_back("optimizers." + param(name) + ".state=" + optimizer.string());
    overrides.push_back("optimizers." + param(name) + ".state_entry=" + entry);
  }
  overrides.push_back("pipeline.first_frame=" + std::to_string(iterations));
  return overrides;
}

}  // namespace munit::cli
