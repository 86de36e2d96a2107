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

  static NodeSchema schema() {
    return NodeSchema("io.checkpoint", "Writes generators, discriminators and optimizers in the official format.")
        .input(kWhen, "write after this (the last optimizer step's done)")
        .param(path_param("dir").doc("checkpoint folder (created if missing)"))
        .param(int_param("every", 10000).at_least(0).doc("iterations between checkpoints (0: only at the end)"))
        .param(int_param("keep", 0).at_least(0).doc("gen/dis pairs to keep, newest first (0: all)"))
        .param(resource_param("gen_a", "models").doc("generator of domain a"))
        .param(resource_param("gen_b", "models").doc("generator of domain b"))
        .param(resource_param("dis_a", "models").doc("discriminator of domain a"))
        .param(resource_param("dis_b", "models").doc("discriminator of domain b"))
        .param(resource_param("gen_optimizer", "optimizers").doc("the generators' optim.adam"))
        .param(resource_param("dis_optimizer", "optimizers").doc("the discriminators' optim.adam"));
  }

  explicit CheckpointWriter(const NodeContext& context)
      : dir_(context.params.get<std::string>("dir")),
        every_(context.params.get<std::int64_t>("every")),
        keep_(context.params.get<std::int64_t>("keep")),
        log_(context.log) {
    auto& r = *context.resources;
    auto param = [&](const char* name) { return context.params.get<std::string>(name); };
    gen_a_ = r.get<model::GeneratorModel>(param("gen_a"));
    gen_b_ = r.get<model::GeneratorModel>(param("gen_b"));
    dis_a_ = r.get<model::DiscriminatorModel>(param("dis_a"));
    dis_b_ = r.get<model::DiscriminatorModel>(param("dis_b"));
    gen_opt_ = r.get<optim::AdamOptimizer>(param("gen_optimizer"));
    dis_opt_ = r.get<optim::AdamOptimizer>(param("dis_optimizer"));
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
