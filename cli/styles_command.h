#pragma once
// `munit styles encode|fit`: a style bank from a folder of real images, and a distribution fitted to
// a bank's codes, for random styles that look like those images (nodes/style/bank.h,
// nodes/style/fitted_prior.h):
//
//   munit styles encode --checkpoint gen.pt --config C.yaml --input shoes/ --domain b --output shoes.pt
//   munit styles fit shoes.pt --output shoes_prior.pt --components 4
//   munit translate ... --style random --prior shoes_prior.pt --truncation 0.7
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace munit::cli {

struct StylesArgs {
  CLI::App* encode = nullptr;
  CLI::App* fit = nullptr;
  std::string checkpoint, config, input, output, domain = "b", device = "auto", bank;
  std::int64_t size = 0, components = 1, seed = 0;
  bool overwrite = false, print_pipeline = false;
};

CLI::App* add_styles_command(CLI::App& app, StylesArgs& args);

// The pipeline `styles encode` runs, as TOML text (every path absolute). UserError for missing files.
std::string styles_encode_pipeline(const StylesArgs& args);

// `styles fit`: reads the bank, fits, writes the prior and says what it fitted. UserError for bad files.
void run_styles_fit(const StylesArgs& args);

}  // namespace munit::cli
