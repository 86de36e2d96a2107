// munit: the command line. Parses arguments, calls graph/, and picks the exit code:
// 0 success, 2 the user's input is wrong (arguments, TOML, spec, plugins), 1 the run failed,
// 128 + the signal's number a run stopped by SIGINT, SIGTERM or SIGHUP (after it closed cleanly).
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bench.h"
#include "checkpoint_command.h"
#include "describe.h"
#include "process_tuning.h"
#include "peak_memory.h"
#include "resume.h"
#include "train_command.h"
#include "styles_command.h"
#include "translate.h"
#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/executor.h"
#include "munit/pipeline.h"
#include "munit/plugin_loader.h"
#include "munit/read_file.h"
#include "munit/render.h"
#include "munit/spec.h"
#include "munit/version.h"

namespace {

constexpr int kRunFailed = 1;
constexpr int kBadInput = 2;

std::atomic<bool> interrupted{false};
std::atomic<int> stopped_by{0};  // the signal that interrupted the run
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler needs lock-free flags");

// Only sets the flags: the executor stops emitting frames and drains. A second signal kills.
extern "C" void on_signal(int signal) {
  stopped_by = signal;
  interrupted = true;
  std::signal(signal, SIG_DFL);
}

struct PipelineArgs {
  std::string file;
  std::vector<std::string> overrides;
};

void add_overrides(CLI::App* command, PipelineArgs& args) {
  command->add_option("--set", args.overrides, "override a value: section.key=value (e.g. nodes.images.batch=16)")
      ->type_name("KEY=VALUE");
}

void add_pipeline_args(CLI::App* command, PipelineArgs& args) {
  command->add_option("file", args.file, "pipeline TOML file")->required()->check(CLI::ExistingFile);
  add_overrides(command, args);
}

// Lines of a pipeline built from flags (`generated`) mean nothing to the user: they are left out.
int print_user_error(const munit::UserError& e, const std::string& generated) {
  for (auto diagnostic : e.diagnostics()) {
    if (!generated.empty() && diagnostic.where.file == generated) diagnostic.where = {};
    std::cerr << "error: " << diagnostic.str() << "\n";
  }
  return kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  munit::cli::use_active_openmp_waiting(argv);
  munit::cli::use_one_malloc_arena();
  munit::use_one_intra_op_thread();  // before any LibTorch call
  spdlog::set_default_logger(spdlog::stderr_color_mt("munit"));
  spdlog::set_pattern("[%H:%M:%S.%e] [%n] %^%l%$ %v");

  CLI::App app{"munit: MUNIT image-to-image translation as a dataflow engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("munit ") + munit::kVersion);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember(munit::kLogLevels));

  PipelineArgs run_args, validate_args, graph_args, bench_args;
  auto* run = app.add_subcommand("run", "run a pipeline");
  add_pipeline_args(run, run_args);
  bool resume = false;
  run->add_flag("--resume", resume, "continue training from the newest checkpoint of its io.checkpoint folder");

  munit::cli::BenchOptions bench_options;
  auto* bench = app.add_subcommand("bench", "time a pipeline: median s/iteration, images/s, memory, per-node share");
  add_pipeline_args(bench, bench_args);
  bench->add_option("--iterations", bench_options.iterations, "frames to measure")->check(CLI::PositiveNumber);
  bench->add_option("--warmup", bench_options.warmup, "frames run first and not measured")
      ->check(CLI::NonNegativeNumber);
  bench->add_option("--ops", bench_options.ops, "also list the N operators taking the most time (self time)")
      ->check(CLI::NonNegativeNumber);
  bench->add_flag("--sync-nodes", bench_options.sync_nodes,
                  "on a GPU, each node waits for its kernels, so the shares are GPU time (slower)");

  auto* validate = app.add_subcommand("validate", "check a pipeline without running it");
  add_pipeline_args(validate, validate_args);
  bool print_resolved = false;
  validate->add_flag("--print-resolved", print_resolved,
                     "print the pipeline as TOML with every value the run takes (defaults, imports, --set)");

  std::string format = "text";
  auto* graph = app.add_subcommand("graph", "print a pipeline's graph (DOT renders with `dot -Tpng`)");
  add_pipeline_args(graph, graph_args);
  graph->add_option("--format", format, "dot or text")->check(CLI::IsMember({"dot", "text"}));

  std::string kind;
  bool json = false;
  std::vector<std::string> plugins;
  auto* nodes = app.add_subcommand("nodes", "list node and resource kinds, or describe one");
  nodes->add_option("kind", kind, "describe this kind");
  nodes->add_flag("--json", json, "machine-readable output");
  nodes->add_option("--plugin", plugins, "also load this plugin (a path, or a name searched for in "
                                         "MUNIT_PLUGIN_PATH, then plugins/ beside munit or, "
                                         "installed, ../lib/munit/plugins)");

  munit::cli::TranslateArgs translate_args;
  auto* translate = munit::cli::add_translate_command(app, translate_args);

  munit::cli::TrainArgs train_args;
  PipelineArgs train_overrides;
  auto* train = munit::cli::add_train_command(app, train_args);
  add_overrides(train, train_overrides);

  munit::cli::CheckpointArgs checkpoint_args;
  auto* checkpoint = munit::cli::add_checkpoint_command(app, checkpoint_args);

  munit::cli::StylesArgs styles_args;
  munit::cli::add_styles_command(app, styles_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kBadInput;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  const bool log_level_given = app.count("--log-level") > 0;
  std::string generated;  // the name of a pipeline built from flags (translate, train)

  try {
    if (*checkpoint) {
      munit::cli::run_checkpoint_command(checkpoint_args);
      return 0;
    }
    if (*styles_args.fit) {
      munit::cli::run_styles_fit(styles_args);
      return 0;
    }
    munit::Registry registry = munit::Registry::with_builtins();

    if (*nodes) {
      for (const auto& plugin : plugins) munit::load_plugin(registry, munit::find_plugin(plugin, ""));
      if (!kind.empty()) {
        if (const munit::ResourceKind* resource = registry.resource(kind)) {
          std::cout << (json ? munit::cli::describe_json(*resource).dump(2) : munit::cli::describe_text(*resource))
                    << "\n";
          return 0;
        }
        const munit::NodeKind* found = registry.node(kind);
        if (!found) throw munit::UserError("unknown node kind '" + kind + "'; `munit nodes` lists them");
        std::cout << (json ? munit::cli::describe_json(*found).dump(2) : munit::cli::describe_text(*found)) << "\n";
        return 0;
      }
      if (json) {
        nlohmann::json all = nlohmann::json::array();
        for (const auto& name : registry.node_kinds()) all.push_back(munit::cli::describe_json(*registry.node(name)));
        std::cout << all.dump(2) << "\n";
      } else {
        for (const auto& name : registry.node_kinds())
          std::cout << munit::cli::summary_line(*registry.node(name)) << "\n";
        std::cout << "\nresources, declared once and named by nodes:\n";
        for (const auto& name : registry.resource_kinds())
          std::cout << munit::cli::summary_line(*registry.resource(name)) << "\n";
      }
      return 0;
    }

    PipelineArgs translate_overrides;  // translate and styles encode build their pipeline from flags
    PipelineArgs& args = *run        ? run_args
                         : *validate ? validate_args
                         : *bench    ? bench_args
                         : *graph    ? graph_args
                         : *train    ? train_overrides
                                     : translate_overrides;
    if (log_level_given) args.overrides.push_back("pipeline.log_level=" + log_level);
    std::string text;  // the pipeline translate or train builds
    std::optional<munit::cli::TrainingPlan> training;
    if (*translate) {
      text = munit::cli::translate_pipeline(translate_args);
      generated = "munit translate";
      if (translate_args.print_pipeline) {
        std::cout << text;
        return 0;
      }
    } else if (*styles_args.encode) {
      text = munit::cli::styles_encode_pipeline(styles_args);
      generated = "munit styles encode";
      if (styles_args.print_pipeline) {
        std::cout << text;
        return 0;
      }
    } else if (*train) {
      training = munit::cli::plan_training(train_args);
      for (const auto& note : training->notes) spdlog::warn("{}", note);
      text = training->pipeline;
      generated = "munit train";
    }
    auto load = [&](munit::Registry& into, const std::vector<std::string>& overrides) {
      return text.empty() ? munit::load_pipeline(args.file, into, overrides)
                          : munit::validate(munit::parse_pipeline_text(text, generated, overrides), into);
    };
    std::optional<munit::Registry> resumed_registry;  // declared first: outlives the pipeline using it
    munit::Pipeline pipeline = load(registry, args.overrides);
    if ((*run && resume) || (*train && train_args.resume)) {
      std::vector<std::string> overrides = munit::cli::resume_overrides(pipeline);
      if (!overrides.empty()) {
        overrides.insert(overrides.begin(), args.overrides.begin(), args.overrides.end());
        resumed_registry.emplace(munit::Registry::with_builtins());  // plugins load into a fresh one
        pipeline = load(*resumed_registry, overrides);
      }
    }
    for (const auto& note : pipeline.notes) spdlog::warn("{}", note.str());
    for (const auto& note : pipeline.unread) spdlog::info("{}", note.str());
    if (training && train_args.print_pipeline) {
      std::cout << (args.overrides.empty() ? text : munit::apply_overrides(text, generated, args.overrides));
      return 0;
    }
    if (training) {  // as train.py does: the config beside the outputs, and here the pipeline run too
      std::filesystem::create_directories(training->outputs);
      munit::write_file_atomically(training->outputs / "config.yaml", munit::read_regular_file(train_args.config));
      munit::write_file_atomically(training->outputs / "pipeline.toml",
                                   args.overrides.empty() ? text : munit::apply_overrides(text, generated, args.overrides));
    }

    if (*validate) {
      if (print_resolved) std::cout << munit::to_toml(pipeline);
      else std::cout << args.file << ": valid (" << pipeline.nodes.size() << " nodes)\n";
      return 0;
    }
    if (*graph) {
      std::cout << (format == "dot" ? munit::to_dot(pipeline) : munit::to_text(pipeline));
      return 0;
    }
    if (*bench) {
      munit::cli::run_bench(pipeline, bench_options);
      return 0;
    }
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal, on_signal);
    spdlog::info("Ctrl-C stops the run cleanly: frames in flight finish, then nodes close (io.checkpoint saves)");
    munit::RunOptions options;
    options.interrupt = &interrupted;
    // A progress line on a terminal; logs that go to a file or CI stay free of it.
    options.progress_every_seconds = ::isatty(STDERR_FILENO) ? 5 : 0;
    munit::RunStats stats = munit::run_pipeline(pipeline, options);
    for (const auto& node : stats.nodes)
      spdlog::debug("{}: {} frames, {:.3f} s busy, up to {} at once", node.id, node.frames, node.busy_seconds,
                    node.max_concurrent);
    spdlog::info("peak memory {:.0f} MiB (resident)", munit::cli::peak_resident_mib());
    // Stopped by a signal: not a success, though the nodes closed (io.checkpoint saved).
    if (const int signal = stopped_by.load()) return 128 + signal;
    return 0;
  } catch (const munit::UserError& e) {
    return print_user_error(e, generated);
  } catch (const munit::RunError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kRunFailed;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kRunFailed;
  }
}
