// io.checkpoint — writes a MUNIT training state in the official layout: gen_XXXXXXXX.pt and
// dis_XXXXXXXX.pt ({'a': ..., 'b': ...}) and optimizer.pt ({'gen': ..., 'dis': ...}), XXXXXXXX being
// the iterations done. Every `every` iterations and when the run ends (also on Ctrl-C), each file
// atomically; only the newest `keep` gen/dis pairs stay.
//
//   [nodes.save]
//   kind = "io.checkpoint"
//   when = "step_gen.done"
//   dir = "runs/edges2shoes/checkpoints"
//   every = 10000
#include <filesystem>
#include <regex>

#include <spdlog/spdlog.h>

#include "../munit/checkpoint.h"
#include "../munit/models.h"
#include "../optim/adam_optimizer.h"
#include "munit/errors.h"
#include "munit/registry.h"

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
      .doc("gen/dis pairs to keep, newest first (0: all)");
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
        .in_model_region();
  }

  // `munit run --resume`: the models load the newest gen/dis pair, the optimizers optimizer.pt,
  // and frames (iterations) continue from its count.
  static std::vector<std::string> resume_overrides(const Params& params) {
    const fs::path dir = params.get(kDir);
    auto latest = model::latest_checkpoint(dir, "gen");
    if (!latest) {
      spdlog::warn("--resume: no checkpoint in {} yet; starting from the beginning", dir.string());
      return {};
    }
    const std::int64_t iterations = model::iterations_of(*latest);
    const fs::path dis = model::checkpoint_path(dir, "dis", iterations);
    const fs::path optimizer = dir / "optimizer.pt";
    for (const fs::path& needed : {dis, optimizer})
      if (!fs::exists(needed)) throw UserError("--resume: " + latest->string() + " has no matching " + needed.string());
    spdlog::info("resuming from {} ({} iterations done)", latest->string(), iterations);

    std::vector<std::string> overrides;
    const auto load = [&](const std::string& model, const fs::path& file, const char* entry) {
      overrides.push_back("models." + model + ".checkpoint=" + file.string());
      overrides.push_back("models." + model + ".entry=" + entry);
    };
    load(params.get(kGenA), *latest, "a");
    load(params.get(kGenB), *latest, "b");
    load(params.get(kDisA), dis, "a");
    load(params.get(kDisB), dis, "b");
    for (auto [optimizer_name, entry] : {std::pair{params.get(kGenOptimizer), "gen"}, {params.get(kDisOptimizer), "dis"}}) {
      overrides.push_back("optimizers." + optimizer_name + ".state=" + optimizer.string());
      overrides.push_back("optimizers." + optimizer_name + ".state_entry=" + entry);
    }
    overrides.push_back("pipeline.first_frame=" + std::to_string(iterations));
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
    model::save_pair(model::checkpoint_path(dir_, "gen", iterations), *gen_a_->net, *gen_b_->net);
    model::save_pair(model::checkpoint_path(dir_, "dis", iterations), *dis_a_->net, *dis_b_->net);
    model::save_optimizers(dir_ / "optimizer.pt", *gen_opt_->adam, *dis_opt_->adam);
    written_ = iterations;
    log_->info("checkpoint: {} iterations in {}", iterations, dir_.string());
    if (keep_ > 0) prune();
  }

  void prune() {
    for (const char* kind : {"gen", "dis"}) {
      std::vector<std::pair<std::int64_t, fs::path>> found;
      const std::regex pattern(std::string(kind) + R"(_\d{8}\.pt)");
      for (const auto& entry : fs::directory_iterator(dir_))
        if (std::regex_match(entry.path().filename().string(), pattern))
          found.emplace_back(model::iterations_of(entry.path()), entry.path());
      std::sort(found.rbegin(), found.rend());
      for (std::size_t i = static_cast<std::size_t>(keep_); i < found.size(); ++i) fs::remove(found[i].second);
    }
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
