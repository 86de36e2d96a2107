#pragma once
// `munit checkpoint show|check|convert`: look into torch checkpoint files, check one against a
// MUNIT config, and rewrite one (e.g. a legacy pre-1.6 file) in the current zip layout.
#include <string>

#include <CLI/CLI.hpp>

namespace munit::cli {

struct CheckpointArgs {
  CLI::App* show = nullptr;
  CLI::App* check = nullptr;
  CLI::App* convert = nullptr;
  std::string file, output, config, kind = "auto";
  bool all = false, overwrite = false;
};

CLI::App* add_checkpoint_command(CLI::App& app, CheckpointArgs& args);

// Prints to stdout; throws UserError for bad files or mismatches.
void run_checkpoint_command(const CheckpointArgs& args);

}  // namespace munit::cli
