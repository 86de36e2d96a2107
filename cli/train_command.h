#pragma once
// `munit train --config X.yaml`: the official `train.py --config` habit. The training graph of
// pipelines/train/munit.toml with every value of an official MUNIT YAML written into it (networks,
// Adam and its schedule, loss weights, data and transform, iterations, snapshots, samples, logs):
//
//   munit train --config configs/edges2shoes.yaml --output_path runs      (--resume to continue)
//
// Outputs go where the official script puts them: <output_path>/outputs/<config name>/
// {checkpoints,images}, with config.yaml and the pipeline it ran beside them.
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace munit::cli {

struct TrainArgs {
  std::string config;
  std::string output_path = ".";
  bool resume = false, print_pipeline = false;
};

CLI::App* add_train_command(CLI::App& app, TrainArgs& args);

struct TrainingPlan {
  std::string pipeline;            // TOML, every path absolute
  std::filesystem::path outputs;   // <output_path>/outputs/<config name>
  std::vector<std::string> notes;  // keys the official trainer ignores too, said as warnings
};

// Throws UserError naming the YAML's file:line for a key munit does not honour, a bad value, no
// training data, or an image size the networks cannot take.
TrainingPlan plan_training(const TrainArgs& args);

}  // namespace munit::cli
