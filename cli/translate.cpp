#include "translate.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include <toml++/toml.h>
#include <torch/cuda.h>

#include "munit/errors.h"
#include "munit/pipeline.h"
#include "nodes/data/list_images.h"
#include "nodes/image_stem.h"
#include "nodes/munit/config.h"
#include "nodes/munit/input_size.h"

namespace munit::cli {
namespace {

namespace fs = std::filesystem;

// A TOML string literal, escaped by toml++.
std::string quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

bool has_extension(const fs::path& path, const std::vector<std::string>& extensions) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return !extension.empty() &&
         std::find(extensions.begin(), extensions.end(), extension.substr(1)) != extensions.end();
}

// The YAML config behind --config: the file itself, or the one a munit pipeline's generator imports
// (its own config, else [pipeline] config; "" for neither: the edges2shoes values).
std::string yaml_config(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UserError("the config '" + path + "' does not exist");
  if (!has_extension(path, {"toml"})) return absolute(path);
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(path, registry);
  for (const auto& resource : pipeline.resources)
    if (resource.kind->schema.kind == "munit.generator") {
      const std::string config = resource.params.get<std::string>("config");
      if (!config.empty()) return absolute(config);
      const PipelineSettings& settings = pipeline.settings;
      if (settings.config.empty()) return "";
      const fs::path file(settings.config);
      return absolute((file.is_relative() ? fs::path(settings.config_where.file).parent_path() / file : file).string());
    }
  throw UserError("the pipeline '" + path + "' declares no munit.generator whose config could be used");
}

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
                      "random (the prior), a reference image, a folder of references, or a style file (.pt, .txt)");
  command->add_option("--styles", args.styles, "random styles per input (K)")->check(CLI::Range(1, 4096));
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
  // On the CPU one image per network call is fastest (measured: a batch of 2 at 256x256 takes 2.4x
  // the time of one, its working set no longer in cache); a GPU wants whole batches.
  const bool cpu = args.device == "cpu" || (args.device == "auto" && !torch::cuda::is_available());
  const std::int64_t max_batch = cpu ? 1 : 0;

  toml::table models, nodes;
  for (const auto& [name, domain] : {std::pair{"encoder", from}, std::pair{"decoder", to}}) {
    toml::table model{{"kind", "munit.generator"}, {"domain", domain}, {"checkpoint", absolute(args.checkpoint)}};
    if (!config.empty()) model.insert("config", config);
    models.insert(name, std::move(model));
  }
  nodes.insert("images", toml::table{{"kind", "data.image_folder"},
                                     {"dir", absolute(args.input)},
                                     {"batch", args.batch},
                                     {"channels", input_dim(from) == 1 ? "gray" : "rgb"},
                                     {"unreadable", args.unreadable}});
  nodes.insert("resized", toml::table{{"kind", "augment.resize"}, {"in", "images.out"}, {"size", size},
                                      {"interpolation", "auto"}});
  nodes.insert("x", toml::table{{"kind", "augment.to_tensor"}, {"in", "resized.out"}});
  nodes.insert("codes", toml::table{{"kind", "munit.encode"}, {"model", "encoder"}, {"in", "x.out"},
                                    {"max_batch", max_batch}});

  const fs::path style(args.style);
  toml::table style_node;
  if (args.style == "random") {
    style_node = toml::table{{"kind", "style.prior"},
                             {"style_dim", values.gen_a.style_dim},
                             {"per_input", args.styles},
                             {"draw", args.same_styles ? "shared" : "input"}};
  } else if (!fs::exists(style)) {
    throw UserError("--style '" + args.style + "' is neither \"random\" nor an existing file or folder");
  } else if (fs::is_directory(style) || has_extension(style, data::kImageExtensions)) {
    style_node = toml::table{{"kind", "style.reference"}, {"model", "decoder"}, {"path", absolute(args.style)},
                             {"pair", args.pair}, {"size", size}};
  } else {
    style_node = toml::table{{"kind", "style.file"}, {"model", "decoder"}, {"path", absolute(args.style)}};
  }
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
