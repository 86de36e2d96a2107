#pragma once
// `munit translate`: the batch inference graph built from flags, for people who would rather not
// write TOML. It works with a checkpoint and YAML config straight from the official repository:
//
//   munit translate --checkpoint gen_01000000.pt --config edges2shoes_folder.yaml \
//                   --input edges/ --output shoes/ --styles 8 --seed 1
//
// --print-pipeline shows the equivalent TOML (a starting point for pipelines/infer/).
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace munit::cli {

struct TranslateArgs {
  std::string checkpoint, config, input, output;
  std::string direction = "a2b";
  std::string style = "random";  // random | an image | a folder of images | a style bank | a style file
  std::vector<std::string> pick; // a style bank's entries (empty: all)
  std::int64_t styles = 1;       // random styles per input
  std::string prior;             // random: a fitted prior instead of N(0, I)
  double truncation = 1;         // random: psi
  std::string interpolate;       // "A,B": seeds, images or bank.pt:NAME
  std::int64_t steps = 8;
  bool slerp = false;
  bool same_styles = false;      // random: one set of styles for every input
  std::string pair = "all";      // a reference folder: all | name
  std::int64_t seed = 0;
  std::int64_t batch = 1;
  std::int64_t size = 0;         // 0: the config's new_size
  std::string device = "auto", precision = "fp32", format = "png", unreadable = "skip", sheets;
  bool overwrite = false, print_pipeline = false, channels_last = false;
};

CLI::App* add_translate_command(CLI::App& app, TranslateArgs& args);

// The pipeline as TOML text, every path absolute. Throws UserError for missing files or a config
// it cannot read.
std::string translate_pipeline(const TranslateArgs& args);

}  // namespace munit::cli
