// io.checkpoint — writes the MUNIT training state as checkpoint sets (nodes/munit/checkpoint_set.h):
// the official gen_XXXXXXXX.pt and dis_XXXXXXXX.pt ({'a': ..., 'b': ...}) and optimizer.pt
// ({'gen': ..., 'dis': ...}), XXXXXXXX being the iterations done, plus this set's
// optimizer_XXXXXXXX.pt and a manifest, checkpoint_XXXXXXXX.json, written last: a set is complete
// once its manifest exists. Every `every` iterations and when the run ends (also on Ctrl-C); only
// the newest `keep` sets stay.
//
//   [nodes.save]
//   kind = "io.checkpoint"
//   when = "step_gen.done"
//   dir = "runs/edges2shoes/checkpoints"
//   every = 10000
#include <filesystem>

#include <spdlog/spdlog.h>

#include "../munit/checkpoint_set.h"
#include "../munit/models.h"
#include "../optim/adam_optimizer.h"
#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/registry.h"
#include "output_folder.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

class CheckpointWriter : public Node {
 public:
  static constexpr In<Signal> kWhen{"when"};

  static inline const auto kDir = param<std::filesystem::path>("dir").doc("checkpoint folder (created if missing)");
  static inline const auto kEvery = param<std::int64_t>("every", 10000).at_least(0)
      .doc("iterations between checkpoints (0: only at the end)");
  static inline const auto kKeep = param<std::int64_t>("keep", 0).at_least(0)
      .doc("checkpoint sets to keep, newest first (0: all)");
  static inline const auto kGenA = resource<model::GeneratorModel>("gen_a", "models").doc("generator of domain a");
  static inline const auto kGenB = resource<model::GeneratorModel>("gen_b", "models").doc("generator of domain b");
  static inline const auto kDisA = resource<model::DiscriminatorModel>("dis_a", "models")
      .doc("discriminator of domain a");
  static inline const auto kDisB = resource<model::DiscriminatorModel>("dis_b", "models")
      .doc("discriminator of domain b");
  static inline const auto kGenOptimizer = resource<optim::AdamOptimizer>("gen_optimizer", "optimizers")
      .doc("the generators' optim.adam");
  static inline const auto kDisOptimizer = resource<optim::AdamOptimizer>("dis_optimizer", "optimizers")
      .doc("the discriminators' optim.adam");

  static NodeSchema schema() {
    return NodeSchema("io.checkpoint", "Writes generators, discriminators and optimizers in the official format.")
        .input(kWhen, "write after this (the last optimizer step's done)")
        .params_of(kDir, kEvery, kKeep, kGenA, kGenB, kDisA, kDisB, kGenOptimizer, kDisOptimizer)
        .resumes_with(resume_overrides)
        .in_model_region()
        .checks([](const Params& params) { return output_folder_problems(kDir.name, params.get(kDir)); });
  }

  // `munit run --resume`: the models and optimizers load the newest complete checkpoint set (each
  // part must record its iteration), and frames (iterations) continue from its count.
  static std::vector<std::string> resume_overrides(const Params& params) {
    const fs::path dir = params.get(kDir);
    const model::ResumePoint point = model::find_resume_point(dir);
    for (const std::string& skipped : point.skipped) spdlog::warn("--resume: skipped {}", skipped);
    if (!point.set) {
      if (point.any_manifest)
        throw UserError("--resume: no checkpoint set in " + dir.string() +
                        " is complete (see the warnings above); remove the folder or run without --resume to start over");
      spdlog::warn("--resume: no complete checkpoint in {} yet; starting from the beginning", dir.string());
      return {};
    }
    const model::CheckpointSet& set = *point.set;
    std::int64_t recorded = set.iterations;
    if (point.official_layout) {
      for (const fs::path& needed : {set.dis, set.optimizer})
        if (!fs::exists(needed)) throw UserError("--resume: " + set.gen.string() + " has no matching " + needed.string());
      spdlog::warn("--resume: {} holds no checkpoint-set manifest (official layout or an older munit); {}, {} and {} "
                   "cannot be checked to belong together",
                   dir.string(), set.gen.filename().string(), set.dis.filename().string(),
                   set.optimizer.filename().string());
      recorded = -1;  // official files record no iteration count
    }
    spdlog::info("resuming from {} ({} iterations done)", set.gen.string(), set.iterations);

    std::vector<std::string> overrides;
    const auto load = [&](const std::string& model, const fs::path& file, const char* entry) {
      overrides.push_back("models." + model + ".checkpoint=" + file.string());
      overrides.push_back("models." + model + ".entry=" + entry);
      overrides.push_back("models." + model + ".checkpoint_iterations=" + std::to_string(recorded));
    };
    load(params.get(kGenA), set.gen, "a");
    load(params.get(kGenB), set.gen, "b");
    load(params.get(kDisA), set.dis, "a");
    load(params.get(kDisB), set.dis, "b");
    for (auto [optimizer_name, entry] : {std::pair{params.get(kGenOptimizer), "gen"}, {params.get(kDisOptimizer), "dis"}}) {
      overrides.push_back("optimizers." + optimizer_name + ".state=" + set.optimizer.string());
      overrides.push_back("optimizers." + optimizer_name + ".state_entry=" + entry);
      overrides.push_back("optimizers." + optimizer_name + ".state_iterations=" + std::to_string(recorded));
    }
    overrides.push_back("pipeline.first_frame=" + std::to_string(set.iterations));
    return overrides;
  }

  explicit CheckpointWriter(const NodeContext& context)
      : dir_(context.params.get(kDir)),
        every_(context.params.get(kEvery)),
        keep_(context.params.get(kKeep)),
        log_(context.log) {
    gen_a_ = context.resource(kGenA);
    gen_b_ = context.resource(kGenB);
    dis_a_ = context.resource(kDisA);
    dis_b_ = context.resource(kDisB);
    gen_opt_ = context.resource(kGenOptimizer);
    dis_opt_ = context.resource(kDisOptimizer);
    std::error_code error;
    fs::create_directories(dir_, error);
    if (!fs::is_directory(dir_)) throw UserError("cannot create the checkpoint folder '" + dir_.string() + "'");
    remove_stale_temporaries(dir_);  // left by a run that was killed while writing
  }

  void process(Frame& frame) override {
    done_ = frame.id() + 1;
    if (every_ > 0 && done_ % every_ == 0) write(done_);
  }

  void close() override {
    if (done_ > written_) write(done_);
  }

 private:
  void write(std::int64_t iterations) {
    model::write_checkpoint_set(dir_, iterations,
                                {*gen_a_->net, *gen_b_->net, *dis_a_->net, *dis_b_->net, *gen_opt_->adam, *dis_opt_->adam});
    written_ = iterations;
    log_->info("checkpoint: {} iterations in {}", iterations, dir_.string());
    model::prune_checkpoint_sets(dir_, keep_);
  }

  fs::path dir_;
  std::int64_t every_, keep_;
  std::int64_t done_ = 0, written_ = 0;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<model::GeneratorModel> gen_a_, gen_b_;
  std::shared_ptr<model::DiscriminatorModel> dis_a_, dis_b_;
  std::shared_ptr<optim::AdamOptimizer> gen_opt_, dis_opt_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::CheckpointWriter)
