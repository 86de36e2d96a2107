#include "translate.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "generated_pipeline.h"
#include "munit/errors.h"
#include "nodes/data/list_images.h"
#include "nodes/image_stem.h"
#include "nodes/munit/config.h"
#include "nodes/munit/input_size.h"
#include "nodes/style/fitted_prior.h"

namespace munit::cli {
namespace {

namespace fs = std::filesystem;

// Refuses inputs that would be written to one output file: "a.png" and "a.jpg" of one folder.
// Outputs keep each input's subfolder, so only files of one folder can collide.
void check_output_names(const std::string& input) {
  if (!fs::is_directory(input)) return;
  const fs::path root = absolute(input);
  std::map<std::string, std::string> inputs_by_name;
  for (const auto& file : data::list_images(root, data::kImageExtensions, true, false)) {
    const fs::path name = fs::path(file).lexically_relative(root).parent_path() / image_stem(file);
    const auto [owner, fresh] = inputs_by_name.emplace(name.string(), file);
    if (!fresh)
      throw UserError("the inputs '" + owner->second + "' and '" + file + "' would be written to one output file ('" +
                      name.string() + "_...'): rename one of them, or move it to another folder");
  }
}

// One end of --interpolate as style.interpolate parameters <prefix>_seed, _image or _bank + _pick.
void add_interpolation_end(toml::table& node, const std::string& prefix, const std::string& end) {
  if (!end.empty() && std::all_of(end.begin(), end.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (end.size() > 18) throw UserError("--interpolate: the seed '" + end + "' is too long: at most 18 digits");
    node.insert(prefix + "_seed", std::stoll(end));
    return;
  }
  if (fs::is_regular_file(end) && has_extension(end, data::kImageExtensions)) {
    node.insert(prefix + "_image", absolute(end));
    return;
  }
  const std::size_t colon = end.rfind(':');
  if (colon != std::string::npos && fs::is_regular_file(end.substr(0, colon))) {
    node.insert(prefix + "_bank", absolute(end.substr(0, colon)));
    node.insert(prefix + "_pick", end.substr(colon + 1));
    return;
  }
  throw UserError("--interpolate: '" + end + "' is neither a seed (a number), an image file, nor a style bank's "
                  "entry (bank.pt:NAME)");
}

// The node that gives each input its styles (of `domain`), from --style, --interpolate and their options.
toml::table style_node_for(const TranslateArgs& args, const std::string& domain, std::int64_t style_dim,
                           std::int64_t size) {
  const bool random = args.style == "random";
  if (!args.interpolate.empty()) {
    if (!random) throw UserError("--interpolate gives the styles: leave out --style '" + args.style + "'");
    if (!args.prior.empty() || args.truncation != 1 || !args.pick.empty() || args.styles != 1 || args.same_styles)
      throw UserError("--interpolate gives the styles: leave out --prior, --truncation, --pick, --styles and "
                      "--same-styles (its ends name their own styles: seeds, images or bank.pt:NAME)");
    const std::size_t comma = args.interpolate.find(',');
    if (comma == std::string::npos || args.interpolate.find(',', comma + 1) != std::string::npos)
      throw UserError("--interpolate '" + args.interpolate + "': write the two ends as A,B (e.g. 1,2 for two seeds)");
    toml::table node{{"kind", "style.interpolate"}, {"model", "decoder"}, {"steps", args.steps},
                     {"mode", args.slerp ? "slerp" : "linear"}, {"size", size}};
    add_interpolation_end(node, "from", args.interpolate.substr(0, comma));
    add_interpolation_end(node, "to", args.interpolate.substr(comma + 1));
    return node;
  }
  if (args.slerp) throw UserError("--slerp goes with --interpolate A,B");
  if (!random && (!args.prior.empty() || args.truncation != 1))
    throw UserError("--prior and --truncation shape random styles: give --style random (the default)");
  if (random && !args.pick.empty()) throw UserError("--pick names styles of a style bank: give --style BANK.pt");
  if (random) {
    toml::table node{{"kind", "style.prior"},
                     {"style_dim", style_dim},
                     {"per_input", args.styles},
                     {"draw", args.same_styles ? "shared" : "input"},
                     {"psi", args.truncation}};
    if (!args.prior.empty()) {
      if (!fs::is_regular_file(args.prior)) throw UserError("--prior '" + args.prior + "' does not exist");
      const std::string fitted_to = style::load_fitted_prior(args.prior).made_by.domain;
      if (fitted_to != domain)
        throw UserError("--prior '" + args.prior + "' is fitted to styles of domain " + fitted_to + ", but --direction " +
                        args.direction + " decodes into domain " + domain + ": fit a prior to a bank of domain " +
                        domain + " images (munit styles encode --domain " + domain + ")");
      node.insert("distribution", "fitted");
      node.insert("fit", absolute(args.prior));
    }
    return node;
  }
  const fs::path style(args.style);
  if (!fs::exists(style))
    throw UserError("--style '" + args.style + "' is neither \"random\" nor an existing file or folder");
  if (fs::is_directory(style) || has_extension(style, data::kImageExtensions))
    return toml::table{{"kind", "style.reference"}, {"model", "decoder"}, {"path", absolute(args.style)},
                       {"pair", args.pair}, {"size", size}};
  toml::table node{{"kind", "style.file"}, {"model", "decoder"}, {"path", absolute(args.style)}};
  if (!args.pick.empty()) {
    toml::array pick;
    for (const auto& name : args.pick) pick.push_back(name);
    node.insert("pick", std::move(pick));
  }
  return node;
}

}  // namespace

CLI::App* add_translate_command(CLI::App& app, TranslateArgs& args) {
  auto* command = app.add_subcommand("translate", "translate images with a trained generator (no TOML needed)");
  command->add_option("--checkpoint", args.checkpoint, "a gen_XXXXXXXX.pt file (official or munit)")->required();
  command->add_option("--config", args.config, "the model's YAML config (official layout) or a munit training pipeline")
      ->required();
  command->add_option("--input", args.input, "an image, or a folder of images (subfolders included)")->required();
  command->add_option("--output", args.output, "the folder the translations go to (created if missing)")->required();
  command->add_option("--direction", args.direction, "a2b or b2a")->check(CLI::IsMember({"a2b", "b2a"}));
  command->add_option("--style", args.style,
                      "random (the prior), a reference image, a folder of references, a style bank (munit styles "
                      "encode) or a style file (.pt, .txt)");
  command->add_option("--pick", args.pick, "a style bank's styles to use, by name (comma-separated; default: all)")
      ->delimiter(',');
  command->add_option("--styles", args.styles, "random styles per input (K)")->check(CLI::Range(1, 4096));
  command->add_option("--prior", args.prior,
                      "random: draw from this fitted prior (munit styles fit) instead of N(0, I)");
  command->add_option("--truncation", args.truncation,
                      "random: psi in [0, 1], pulls draws toward the prior's centre (1: none, 0: the centre)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--interpolate", args.interpolate,
                      "A,B: styles from A to B, each a seed (a number), a reference image, or a style bank's entry "
                      "(bank.pt:NAME)");
  command->add_option("--steps", args.steps, "--interpolate: styles from A to B, both included")
      ->check(CLI::Range(2, 4096));
  command->add_flag("--slerp", args.slerp, "--interpolate along the great circle (for seeds) instead of a line");
  command->add_flag("--same-styles", args.same_styles,
                    "random: the same K styles for every input (the official test_batch --synchronized)");
  command->add_option("--pair", args.pair, "a reference folder: all (every input × every reference) or name "
                                           "(each input with the reference of the same file stem)")
      ->check(CLI::IsMember({"all", "name"}));
  command->add_option("--seed", args.seed, "seed of the random styles")->check(CLI::NonNegativeNumber);
  command->add_option("--batch", args.batch, "images per forward pass (all of one size after resizing)")
      ->check(CLI::Range(1, 4096));
  command->add_option("--size", args.size, "resize inputs so the shorter side is this (default: the config's new_size)")
      ->check(CLI::Range(1, 4096));
  command->add_option("--device", args.device, "auto, cpu, cuda or cuda:N");
  command->add_option("--precision", args.precision, "fp32, bf16 or fp16 (fp16: CUDA only)")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16"}));
  command->add_flag("--channels-last", args.channels_last, "NHWC batches and weights (faster convolutions on GPUs)");
  command->add_option("--format", args.format, "png or jpg")->check(CLI::IsMember({"png", "jpg"}));
  command->add_flag("--overwrite", args.overwrite, "replace output files that exist already");
  command->add_option("--unreadable", args.unreadable, "an input that does not decode: skip (warn and count) or error")
      ->check(CLI::IsMember({"skip", "error"}));
  command->add_option("--sheets", args.sheets, "also write contact sheets (inputs down, styles across) to this folder");
  command->add_flag("--print-pipeline", args.print_pipeline, "print the equivalent pipeline TOML and exit");
  return command;
}

std::string translate_pipeline(const TranslateArgs& args) {
  if (!fs::is_regular_file(args.checkpoint)) throw UserError("the checkpoint '" + args.checkpoint + "' does not exist");
  if (!fs::exists(args.input)) throw UserError("the input '" + args.input + "' does not exist");
  const std::string config = yaml_config(args.config);
  const model::MunitConfig values = config.empty() ? model::MunitConfig{} : model::load_config(config);
  const bool a2b = args.direction == "a2b";
  const std::string from = a2b ? "a" : "b", to = a2b ? "b" : "a";
  const auto input_dim = [&](const std::string& domain) {
    return (domain == "a" ? values.gen_a : values.gen_b).input_dim;
  };
  const std::int64_t size = args.size > 0 ? args.size : values.new_size;
  const std::int64_t smallest = model::smallest_image_side(a2b ? values.gen_a : values.gen_b);
  if (size < smallest)
    throw UserError((args.size > 0 ? "--size " + std::to_string(size) : "the config's new_size " + std::to_string(size)) +
                    " is too small for this generator: its images must be at least " + std::to_string(smallest) +
                    " pixels a side; give --size " + std::to_string(smallest) + " or more");
  if (!args.print_pipeline) check_output_names(args.input);  // printing reads no input
  const std::int64_t max_batch = max_batch_for(args.device);

  toml::table models, nodes;
  models.insert("encoder", generator_model(from, args.checkpoint, config));
  models.insert("decoder", generator_model(to, args.checkpoint, config));
  add_encoded_images(nodes, {args.input, input_dim(from) == 1, size, args.batch, args.unreadable}, "encoder", max_batch);

  toml::table style_node = style_node_for(args, to, (a2b ? values.gen_b : values.gen_a).style_dim, size);
  style_node.insert("like", "x.out");
  nodes.insert("style", std::move(style_node));
  nodes.insert("translated", toml::table{{"kind", "munit.decode"}, {"model", "decoder"}, {"content", "codes.content"},
                                         {"style", "style.out"}, {"max_batch", max_batch}, {"upsampling", "subpixel"}});
  nodes.insert("pixels", toml::table{{"kind", "augment.to_image"}, {"in", "translated.out"}});
  toml::table write{{"kind", "io.image_writer"}, {"in", "pixels.out"}, {"dir", absolute(args.output)},
                    {"format", args.format}, {"overwrite", args.overwrite}};
  if (fs::is_directory(args.input)) write.insert("inputs", absolute(args.input));  // outputs keep subfolders
  nodes.insert("write", std::move(write));
  if (!args.sheets.empty())
    nodes.insert("sheet", toml::table{{"kind", "io.contact_sheet"}, {"inputs", "x.out"}, {"outputs", "translated.out"},
                                      {"dir", absolute(args.sheets)}, {"format", args.format},
                                      {"overwrite", args.overwrite}});

  const toml::table pipeline{{"pipeline", toml::table{{"mode", "infer"},
                                                      {"seed", args.seed},
                                                      {"device", args.device},
                                                      {"precision", args.precision},
                                                      {"channels_last", args.channels_last}}},
                             {"models", std::move(models)},
                             {"nodes", std::move(nodes)}};
  std::ostringstream text;
  text << "# munit translate --direction " << args.direction << " --style " << quoted(args.style) << "\n"
       << pipeline << "\n";
  return text.str();
}

}  // namespace munit::cli
