#include "styles_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <torch/torch.h>

#include "generated_pipeline.h"
#include "munit/errors.h"
#include "nodes/data/list_images.h"
#include "nodes/munit/config.h"
#include "nodes/munit/input_size.h"
#include "nodes/style/fitted_prior.h"

namespace fs = std::filesystem;

namespace munit::cli {

CLI::App* add_styles_command(CLI::App& app, StylesArgs& args) {
  auto* styles = app.add_subcommand("styles", "style banks of real images, and priors fitted to them");
  styles->require_subcommand(1);
  args.encode = styles->add_subcommand("encode", "encode a folder of images into a style bank (named style codes)");
  args.encode->add_option("--checkpoint", args.checkpoint, "a gen_XXXXXXXX.pt file (official or munit)")->required();
  args.encode->add_option("--config", args.config, "the model's YAML config (official layout) or a munit training "
                                                   "pipeline")->required();
  args.encode->add_option("--input", args.input, "an image, or a folder of images (subfolders included)")->required();
  args.encode->add_option("--domain", args.domain, "the images' domain: whose style encoder encodes them")
      ->check(CLI::IsMember({"a", "b"}));
  args.encode->add_option("--output", args.output, "the bank file to write (.pt)")->required();
  args.encode->add_option("--size", args.size, "resize images so the shorter side is this (default: the config's "
                                               "new_size, as munit translate does)")->check(CLI::Range(1, 4096));
  args.encode->add_option("--device", args.device, "auto, cpu, cuda or cuda:N");
  args.encode->add_flag("--overwrite", args.overwrite, "replace the bank if it exists");
  args.encode->add_flag("--print-pipeline", args.print_pipeline, "print the pipeline TOML and exit");

  args.fit = styles->add_subcommand("fit", "fit a distribution to a style bank's codes (a prior for random styles)");
  args.fit->add_option("bank", args.bank, "a style bank (munit styles encode)")->required();
  args.fit->add_option("--output", args.output, "the prior file to write (.pt)")->required();
  args.fit->add_option("--components", args.components, "Gaussians in the mixture (1: one full-covariance Gaussian)")
      ->check(CLI::Range(1, 256));
  args.fit->add_option("--seed", args.seed, "seed of the mixture's k-means++ start")->check(CLI::NonNegativeNumber);
  args.fit->add_flag("--overwrite", args.overwrite, "replace the prior if it exists");
  return styles;
}

std::string styles_encode_pipeline(const StylesArgs& args) {
  if (!fs::is_regular_file(args.checkpoint)) throw UserError("the checkpoint '" + args.checkpoint + "' does not exist");
  if (!fs::exists(args.input)) throw UserError("the input '" + args.input + "' does not exist");
  if (fs::is_directory(args.input)) data::list_images(args.input);  // UserError for a folder of no images
  const std::string config = yaml_config(args.config);
  const model::MunitConfig values = config.empty() ? model::MunitConfig{} : model::load_config(config);
  const model::GeneratorConfig& generator = args.domain == "a" ? values.gen_a : values.gen_b;
  const std::int64_t size = args.size > 0 ? args.size : values.new_size;
  if (size < model::smallest_image_side(generator))
    throw UserError("--size " + std::to_string(size) + " is too small for this generator: give --size " +
                    std::to_string(model::smallest_image_side(generator)) + " or more");

  toml::table models, nodes;
  models.insert("encoder", generator_model(args.domain, args.checkpoint, config));
  add_encoded_images(nodes, {args.input, generator.input_dim == 1, size, 1, "skip"}, "encoder", max_batch_for(args.device),
                     "munit.encode_style");
  toml::table bank{{"kind", "io.style_bank"}, {"in", "codes.style"}, {"model", "encoder"},
                   {"path", absolute(args.output)}, {"overwrite", args.overwrite}};
  if (fs::is_directory(args.input)) bank.insert("inputs", absolute(args.input));
  nodes.insert("bank", std::move(bank));
  const toml::table pipeline{{"pipeline", toml::table{{"mode", "infer"}, {"device", args.device}}},
                             {"models", std::move(models)},
                             {"nodes", std::move(nodes)}};
  std::ostringstream text;
  text << "# munit styles encode --domain " << args.domain << " --input " << quoted(args.input) << "\n"
       << pipeline << "\n";
  return text.str();
}

void run_styles_fit(const StylesArgs& args) {
  if (!fs::is_regular_file(args.bank)) throw UserError("the style bank '" + args.bank + "' does not exist");
  if (!args.overwrite && fs::exists(args.output))
    throw UserError("'" + args.output + "' exists already: --overwrite replaces it");
  if (fs::exists(args.output) && !fs::is_regular_file(args.output))
    throw UserError("--output '" + args.output + "' is not a regular file: name the prior file to write");
  const fs::path folder = fs::absolute(args.output).parent_path();
  if (!fs::is_directory(folder))
    throw UserError("--output '" + args.output + "': the folder '" + folder.string() + "' does not exist");
  if (::access(folder.c_str(), W_OK) != 0)
    throw UserError("--output '" + args.output + "': cannot write into '" + folder.string() + "' (EACCES)");
  const style::StyleBank bank = style::load_style_bank(args.bank);
  const style::FittedPrior prior =
      style::fit_prior(bank, fs::path(args.bank).filename().string(), args.components, static_cast<std::uint64_t>(args.seed));
  style::save_fitted_prior(args.output, prior, args.overwrite ? Existing::replace : Existing::refuse);
  const torch::Tensor covariance = prior.cholesky.bmm(prior.cholesky.transpose(1, 2));
  std::cout << fmt::format("fitted {} style codes of width {} (domain {}) with {} component(s): mean norm {:.3f}, "
                           "mean variance {:.4f} (N(0, I): 1); wrote {}\n",
                           prior.codes, prior.style_dim(), prior.made_by.domain, prior.components(),
                           prior.mean.norm().item<double>(),
                           (covariance.diagonal(0, 1, 2) * prior.weights.unsqueeze(1)).sum(0).mean().item<double>(),
                           args.output);
}

}  // namespace munit::cli
