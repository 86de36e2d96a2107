#include "train_command.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <toml++/toml.h>

#include "munit/errors.h"
#include "munit/registry.h"
#include "nodes/munit/config.h"
#include "nodes/munit/input_size.h"
#include "training_template.h"

namespace munit::cli {
namespace {

namespace fs = std::filesystem;

std::string absolute_path(const fs::path& path) { return fs::absolute(path).lexically_normal().string(); }

// Keys of official configs that the official MUNIT trainer does not read either.
const std::vector<std::string> kIgnoredByOfficial = {"recon_kl_w", "recon_kl_cyc_w"};  // UNIT_Trainer's

class Planner {
 public:
  Planner(const TrainArgs& args, const model::MunitConfig& config)
      : args_(args), c_(config), root_(toml::parse(std::string_view(kTrainingTemplate), std::string_view("pipelines/train/munit.toml"))) {}

  TrainingPlan plan() {
    root_["pipeline"].as_table()->erase("config");  // every value is written in
    keys();
    networks();
    optimizers();
    losses();
    data();
    schedule();
    if (!problems_.empty()) throw UserError(problems_);
    std::ostringstream text;
    text << "# munit train --config " << args_.config << ": pipelines/train/munit.toml with the values of\n"
         << "# " << absolute_path(args_.config) << " written in (--set changes any of them)\n"
         << root_ << "\n";
    return {text.str(), outputs_, notes_};
  }

 private:
  SourceLocation at(const std::string& key) const {
    auto found = c_.where.find(key);
    return found != c_.where.end() ? found->second : SourceLocation{args_.config};
  }
  void problem(const std::string& key, const std::string& message) {
    problems_.push_back({at(key), key.empty() ? "" : "'" + key + "'", message});
  }
  void note(const std::string& key, const std::string& message) {
    notes_.push_back(Diagnostic{at(key), "'" + key + "'", message}.str());
  }

  toml::table& table(const std::string& section, const std::string& name) {
    toml::table& parent = *root_[section].as_table();
    if (!parent.contains(name)) parent.insert(name, toml::table{});
    return *parent[name].as_table();
  }
  toml::table& node(const std::string& name) { return table("nodes", name); }
  template <class T>
  void set(toml::table& table, const std::string& key, T value) {
    table.insert_or_assign(key, std::move(value));
  }

  void keys() {
    for (const auto& key : c_.unknown_keys) {
      if (std::find(kIgnoredByOfficial.begin(), kIgnoredByOfficial.end(), key) != kIgnoredByOfficial.end())
        note(key, "ignored: the official MUNIT trainer does not read it either (it is UNIT's)");
      else
        problem(key, "not a key of the official MUNIT trainer, so munit does not honour it: remove it or correct "
                     "its name (`munit nodes munit.generator` lists the network settings)");
    }
    for (const char* key : {"data_folder_test_a", "data_list_test_a", "data_folder_test_b", "data_list_test_b"})
      if (c_.has(key)) note(key, "not read: munit's sample sheets show training images, not the test set");
  }

  // A network size, checked against the range its resource kind declares (`munit nodes KIND`), so an
  // out-of-range YAML value is reported at its line rather than in the generated pipeline.
  void size(toml::table& table, const char* kind, const std::string& param, std::int64_t value, const std::string& key) {
    set(table, param, value);
    static const Registry registry = Registry::with_builtins();
    const auto& specs = registry.resource(kind)->schema.params;
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == param; });
    if (spec == specs.end() || (!(spec->min && value < *spec->min) && !(spec->max && value > *spec->max))) return;
    problem(key, std::to_string(value) + " is out of range: " + kind + " takes " + param + " from " +
                     std::to_string(static_cast<std::int64_t>(spec->min.value_or(0))) +
                     (spec->max ? " to " + std::to_string(static_cast<std::int64_t>(*spec->max)) : " up"));
  }

  void networks() {
    for (const char* domain : {"a", "b"}) {
      const bool a = domain == std::string("a");
      const std::string input_dim = std::string("input_dim_") + domain;
      const model::GeneratorConfig& g = a ? c_.gen_a : c_.gen_b;
      toml::table& gen = table("models", std::string("gen_") + domain);
      const char* generator = "munit.generator";
      size(gen, generator, "input_dim", g.input_dim, input_dim);
      size(gen, generator, "dim", g.dim, "gen.dim");
      size(gen, generator, "mlp_dim", g.mlp_dim, "gen.mlp_dim");
      size(gen, generator, "style_dim", g.style_dim, "gen.style_dim");
      size(gen, generator, "n_downsample", g.n_downsample, "gen.n_downsample");
      size(gen, generator, "n_res", g.n_res, "gen.n_res");
      set(gen, "activ", g.activ);
      set(gen, "pad_type", g.pad_type);
      set(gen, "init", c_.init);
      const model::DiscriminatorConfig& d = a ? c_.dis_a : c_.dis_b;
      toml::table& dis = table("models", std::string("dis_") + domain);
      const char* discriminator = "munit.discriminator";
      size(dis, discriminator, "input_dim", d.input_dim, input_dim);
      size(dis, discriminator, "dim", d.dim, "dis.dim");
      size(dis, discriminator, "n_layer", d.n_layer, "dis.n_layer");
      size(dis, discriminator, "num_scales", d.num_scales, "dis.num_scales");
      set(dis, "norm", d.norm);
      set(dis, "activ", d.activ);
      set(dis, "gan_type", d.gan_type);
      set(dis, "pad_type", d.pad_type);
    }
    // The random styles each decoder takes (s_a for gen_a ...), as wide as its style codes.
    for (const char* name : {"s_a", "s_b", "dis_s_a", "dis_s_b"})
      if (root_["nodes"][name])
        set(node(name), "style_dim", std::string(name).back() == 'a' ? c_.gen_a.style_dim : c_.gen_b.style_dim);
  }

  void optimizers() {
    const auto& o = c_.optimizer;
    for (const char* name : {"gen", "dis"}) {
      toml::table& adam = table("optimizers", name);
      set(adam, "lr", o.lr);
      set(adam, "beta1", o.beta1);
      set(adam, "beta2", o.beta2);
      set(adam, "weight_decay", o.weight_decay);
      set(adam, "lr_policy", o.lr_policy);
      set(adam, "step_size", o.step_size);
      set(adam, "gamma", o.gamma);
    }
  }

  void losses() {
    const auto& w = c_.loss;
    for (auto [nodes, weight] : {std::pair{std::vector<std::string>{"loss_dis_a", "loss_dis_b", "adv_a", "adv_b"}, w.gan_w},
                                 {{"recon_x_a", "recon_x_b"}, w.recon_x_w},
                                 {{"recon_s_a", "recon_s_b"}, w.recon_s_w},
                                 {{"recon_c_a", "recon_c_b"}, w.recon_c_w},
                                 {{"cyc_x_a", "cyc_x_b"}, w.recon_x_cyc_w}})
      for (const auto& name : nodes) set(node(name), "weight", weight);
    if (w.vgg_w <= 0) return;
    // train.py sets vgg_model_path to --output_path: the weights are <output_path>/models/vgg16.weight.
    // A vgg_model_path in the YAML (which train.py overrides) is honoured here.
    const fs::path folder = c_.vgg_model_path.empty() ? fs::path(args_.output_path) : fs::path(c_.vgg_model_path);
    const std::string weights = absolute_path(folder / "models" / "vgg16.weight");
    // The official loss_gen_vgg_a compares x_ba with x_b, the image it was translated from.
    for (auto [name, input, target] : {std::tuple{"vgg_a", "x_ba.out", "x_b.out"}, {"vgg_b", "x_ab.out", "x_a.out"}}) {
      toml::table& vgg = node(name);
      set(vgg, "kind", "loss.vgg");
      set(vgg, "input", input);
      set(vgg, "target", target);
      set(vgg, "weights", weights);
      set(vgg, "weight", w.vgg_w);
      node("step_gen")["loss"].as_array()->push_back(std::string(name) + ".out");
      node("log")["values"].as_array()->push_back(std::string(name) + ".raw");
    }
  }

  void data() {
    const bool folders = c_.has("data_root");
    const bool lists = c_.has("data_folder_train_a") || c_.has("data_list_train_a") || c_.has("data_folder_train_b") ||
                       c_.has("data_list_train_b");
    if (!folders && !lists) {
      problems_.push_back({{args_.config}, {},
                           "names no training data: set data_root (a folder holding trainA and trainB), or "
                           "data_folder_train_a, data_list_train_a, data_folder_train_b and data_list_train_b"});
      return;
    }
    if (folders) note("data_root", "its testA and testB are not read: munit's sample sheets show training images");
    check_sizes();
    for (const char* domain : {"a", "b"}) {
      const std::string d = domain, upper = d == "a" ? "A" : "B";
      toml::table& images = node("images_" + d);
      images.clear();
      if (folders) {
        set(images, "kind", "data.image_folder");
        set(images, "dir", absolute_path(fs::path(c_.data_root) / ("train" + upper)));
      } else {
        const std::string folder_key = "data_folder_train_" + d, list_key = "data_list_train_" + d;
        if (!c_.has(folder_key) || !c_.has(list_key)) {
          problem(c_.has(folder_key) ? folder_key : list_key,
                  "a file list needs both " + folder_key + " and " + list_key);
          continue;
        }
        set(images, "kind", "data.file_list");
        set(images, "list", absolute_path(d == "a" ? c_.data_list_train_a : c_.data_list_train_b));
        set(images, "root", absolute_path(d == "a" ? c_.data_folder_train_a : c_.data_folder_train_b));
      }
      set(images, "batch", c_.batch_size);
      set(images, "repeat", true);
      set(images, "shuffle", true);
      set(images, "decode_threads", std::max<std::int64_t>(c_.num_workers, 1));  // 0: PyTorch's main process
      // The official training transform: flip, resize of the shorter side, random crop, to [-1, 1].
      node("flip_" + d) = toml::table{{"kind", "augment.flip"}, {"in", "images_" + d + ".out"}};
      node("resize_" + d) = toml::table{{"kind", "augment.resize"}, {"in", "flip_" + d + ".out"},
                                        {"size", d == "a" ? c_.new_size_a : c_.new_size_b}};
      node("crop_" + d) = toml::table{{"kind", "augment.crop"}, {"in", "resize_" + d + ".out"},
                                      {"width", c_.crop_image_width}, {"height", c_.crop_image_height}};
      set(node("x_" + d), "in", "crop_" + d + ".out");
    }
  }

  // Sizes the networks cannot take fail here, at the YAML's line, rather than at the first frame.
  void check_sizes() {
    const std::int64_t step = std::int64_t{1} << c_.gen_a.n_downsample;
    for (const char* key : {"crop_image_height", "crop_image_width"}) {
      const std::int64_t side = key == std::string("crop_image_height") ? c_.crop_image_height : c_.crop_image_width;
      if (side % step != 0)
        problem(key, std::to_string(side) + " is not divisible by 2^n_downsample = " + std::to_string(step) +
                         ": the decoder would give back another size; use a multiple of " + std::to_string(step));
      for (const auto* gen : {&c_.gen_a, &c_.gen_b})
        if (const std::int64_t smallest = model::smallest_image_side(*gen); side < smallest) {
          problem(key, std::to_string(side) + " is smaller than the generator takes (" + std::to_string(smallest) +
                           " pixels a side)");
          break;
        }
    }
    for (const auto* dis : {&c_.dis_a, &c_.dis_b})
      if (const std::int64_t smallest = model::smallest_image_side(*dis);
          std::min(c_.crop_image_height, c_.crop_image_width) < smallest) {
        problem(c_.crop_image_height < smallest ? "crop_image_height" : "crop_image_width",
                "is smaller than the " + std::to_string(smallest) + " pixels the discriminator's " +
                    std::to_string(dis->num_scales) + " scales of " + std::to_string(dis->n_layer) +
                    " layers take: use larger crops, or a smaller dis.num_scales or dis.n_layer");
        break;
      }
    for (auto [key, size] : {std::pair{"new_size_a", c_.new_size_a}, {"new_size_b", c_.new_size_b}}) {
      if (size >= std::min(c_.crop_image_height, c_.crop_image_width)) continue;
      problem(c_.has("new_size") ? "new_size" : key,
              std::to_string(size) + " is smaller than both sides of the crop (" + std::to_string(c_.crop_image_height) +
                  "x" + std::to_string(c_.crop_image_width) + "): the shorter side is resized to it before cropping");
      break;
    }
  }

  void schedule() {
    const fs::path output = absolute_path(args_.output_path);
    const std::string name = fs::path(args_.config).stem().string();
    outputs_ = output / "outputs" / name;
    set(*root_["pipeline"].as_table(), "frames", c_.max_iter);
    toml::table& save = node("save");
    set(save, "dir", (outputs_ / "checkpoints").string());
    set(save, "every", c_.snapshot_save_iter);
    set(save, "keep", std::int64_t{0});  // the official trainer keeps every snapshot
    toml::table& samples = node("samples");
    set(samples, "dir", (outputs_ / "images").string());
    set(samples, "every", c_.image_save_iter);
    set(samples, "display", c_.display_size);
    // image_display_iter: the official gen_*_train_current.jpg, overwritten.
    toml::table current = samples;
    set(current, "name", "train_current");
    set(current, "numbered", false);
    set(current, "every", c_.image_display_iter);
    node("samples_current") = std::move(current);
    toml::table& log = node("log");
    set(log, "path", (output / "logs" / name / "metrics.jsonl").string());
    set(log, "every", c_.log_iter);
  }

  const TrainArgs& args_;
  const model::MunitConfig& c_;
  toml::table root_;
  fs::path outputs_;
  std::vector<Diagnostic> problems_;
  std::vector<std::string> notes_;
};

}  // namespace

CLI::App* add_train_command(CLI::App& app, TrainArgs& args) {
  auto* command = app.add_subcommand("train", "train MUNIT from an official YAML config (as train.py --config)");
  command->add_option("--config", args.config, "MUNIT YAML config in the official layout")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--output_path", args.output_path, "outputs go to <output_path>/outputs/<config name>")
      ->capture_default_str();
  command->add_flag("--resume", args.resume, "continue from the newest complete checkpoint set");
  command->add_flag("--print-pipeline", args.print_pipeline, "print the pipeline TOML it runs and exit");
  return command;
}

TrainingPlan plan_training(const TrainArgs& args) {
  const model::MunitConfig config = model::load_config(args.config);
  return Planner(args, config).plan();
}

}  // namespace munit::cli
