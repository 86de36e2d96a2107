#include "config.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <spdlog/fmt/fmt.h>
#include <yaml-cpp/yaml.h>

#include "munit/errors.h"
#include "munit/read_file.h"

namespace munit::model {
namespace {

void require_one_of(const std::string& what, const std::string& value, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
    throw std::invalid_argument(what + " '" + value + "' is not one of: " + fmt::format("{}", fmt::join(allowed, ", ")));
}
void require_at_least(const std::string& what, std::int64_t value, std::int64_t minimum) {
  if (value < minimum)
    throw std::invalid_argument(what + " = " + std::to_string(value) + " must be at least " + std::to_string(minimum));
}

// Reads the keys of one YAML mapping into typed fields, collecting every problem with its position.
class MappingReader {
 public:
  MappingReader(const YAML::Node& node, std::string prefix, std::string source, std::vector<Diagnostic>& problems,
                std::vector<std::string>& unknown, std::map<std::string, SourceLocation>& where)
      : node_(node), prefix_(std::move(prefix)), source_(std::move(source)), problems_(problems), unknown_(unknown),
        where_(where) {}

  template <class T>
  void read(const std::string& key, T& field, const std::function<void(const T&)>& check = {}) {
    known_.insert(key);
    if (!node_ || !node_.IsMap()) return;
    YAML::Node value = node_[key];
    if (!value) return;
    where_[prefix_ + key] = {source_, value.Mark().line + 1, value.Mark().column + 1};
    try {
      field = value.as<T>();
    } catch (const YAML::Exception&) {
      problem(value, "expected " + type_name<T>() + ", found '" + scalar_of(value) + "'");
      return;
    }
    if (check) {
      try {
        check(field);
      } catch (const std::invalid_argument& e) {
        problem(value, e.what());
      }
    }
  }

  void known(const std::string& key) { known_.insert(key); }

  // Call after every read(): the keys no read() asked for.
  void collect_unknown() {
    if (!node_ || !node_.IsMap()) return;
    for (const auto& entry : node_) {
      std::string key = entry.first.as<std::string>();
      if (known_.count(key)) continue;
      unknown_.push_back(prefix_ + key);
      where_[prefix_ + key] = {source_, entry.first.Mark().line + 1, entry.first.Mark().column + 1};
    }
  }

  void problem(const YAML::Node& where, const std::string& message) {
    YAML::Mark mark = where.Mark();
    problems_.push_back({{source_, mark.line + 1, mark.column + 1}, "'" + prefix_ + current_key(where) + "'", message});
  }

 private:
  template <class T>
  static std::string type_name() {
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    else if constexpr (std::is_integral_v<T>) return "an integer";
    else return "a number";
  }
  static std::string scalar_of(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : "a mapping or list"; }
  std::string current_key(const YAML::Node& where) const {
    for (const auto& entry : node_)
      if (entry.second.Mark().line == where.Mark().line && entry.second.Mark().column == where.Mark().column)
        return entry.first.as<std::string>();
    return "?";
  }

  YAML::Node node_;
  std::string prefix_, source_;
  std::vector<Diagnostic>& problems_;
  std::vector<std::string>& unknown_;
  std::map<std::string, SourceLocation>& where_;
  std::set<std::string> known_;
};

template <class T>
std::function<void(const T&)> one_of(std::string what, std::vector<std::string> allowed) {
  return [what, allowed](const std::string& value) { require_one_of(what, value, allowed); };
}
std::function<void(const std::int64_t&)> at_least(std::string what, std::int64_t minimum) {
  return [what, minimum](const std::int64_t& value) { require_at_least(what, value, minimum); };
}
std::function<void(const double&)> non_negative(std::string what) {
  return [what](const double& value) {
    if (value < 0) throw std::invalid_argument(what + " must not be negative");
  };
}

}  // namespace

void check(const GeneratorConfig& c) {
  require_at_least("input_dim", c.input_dim, 1);
  require_at_least("gen.dim", c.dim, 1);
  require_at_least("gen.mlp_dim", c.mlp_dim, 1);
  require_at_least("gen.style_dim", c.style_dim, 1);
  require_at_least("gen.n_downsample", c.n_downsample, 0);
  require_at_least("gen.n_res", c.n_res, 1);
  require_one_of("gen.activ", c.activ, kActivations);
  require_one_of("gen.pad_type", c.pad_type, kPaddings);
}

void check(const DiscriminatorConfig& c) {
  require_at_least("input_dim", c.input_dim, 1);
  require_at_least("dis.dim", c.dim, 1);
  require_at_least("dis.n_layer", c.n_layer, 1);
  require_at_least("dis.num_scales", c.num_scales, 1);
  require_one_of("dis.norm", c.norm, kDisNorms);
  require_one_of("dis.activ", c.activ, kActivations);
  require_one_of("dis.gan_type", c.gan_type, kGanTypes);
  require_one_of("dis.pad_type", c.pad_type, kPaddings);
}

YAML::Node parse_config_mapping(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw UserError({{{source_name, e.mark.line + 1, e.mark.column + 1}, {}, "not valid YAML: " + e.msg}});
  }
  if (!root.IsMap()) throw UserError({{{source_name}, {}, "a MUNIT config is a YAML mapping of hyperparameters"}});
  return root;
}

MunitConfig parse_config(const std::string& yaml_text, const std::string& source_name) {
  const YAML::Node root = parse_config_mapping(yaml_text, source_name);

  MunitConfig config;
  std::vector<Diagnostic> problems;
  GeneratorConfig& gen = config.gen_a;
  DiscriminatorConfig& dis = config.dis_a;
  std::int64_t input_dim_a = 3, input_dim_b = 3;

  MappingReader top(root, "", source_name, problems, config.unknown_keys, config.where);
  config.optimizer = optim::read_optimizer_config(root, source_name, problems);
  for (const char* key : optim::kOptimizerKeys) {
    top.known(key);
    if (const YAML::Node value = root[key])
      config.where[key] = {source_name, value.Mark().line + 1, value.Mark().column + 1};
  }
  top.read<std::string>("init", config.init, one_of<std::string>("init", kInits));
  LossWeights& w = config.loss;
  for (auto [key, field] : {std::pair{"gan_w", &w.gan_w}, {"recon_x_w", &w.recon_x_w}, {"recon_s_w", &w.recon_s_w},
                            {"recon_c_w", &w.recon_c_w}, {"recon_x_cyc_w", &w.recon_x_cyc_w}, {"vgg_w", &w.vgg_w}})
    top.read<double>(key, *field, non_negative(key));
  for (auto [key, field] :
       {std::pair{"batch_size", &config.batch_size}, {"max_iter", &config.max_iter},
        {"snapshot_save_iter", &config.snapshot_save_iter}, {"image_save_iter", &config.image_save_iter},
        {"image_display_iter", &config.image_display_iter}, {"log_iter", &config.log_iter},
        {"display_size", &config.display_size}, {"new_size", &config.new_size}, {"new_size_a", &config.new_size_a},
        {"new_size_b", &config.new_size_b}, {"crop_image_height", &config.crop_image_height},
        {"crop_image_width", &config.crop_image_width}, {"num_workers", &config.num_workers}})
    top.read<std::int64_t>(key, *field, at_least(key, key == std::string("num_workers") ? 0 : 1));
  if (config.has("new_size")) config.new_size_a = config.new_size_b = config.new_size;
  top.read<std::int64_t>("input_dim_a", input_dim_a, at_least("input_dim_a", 1));
  top.read<std::int64_t>("input_dim_b", input_dim_b, at_least("input_dim_b", 1));
  top.read<std::string>("vgg_model_path", config.vgg_model_path);
  for (auto [key, field] :
       {std::pair{"data_root", &config.data_root}, {"data_folder_train_a", &config.data_folder_train_a},
        {"data_list_train_a", &config.data_list_train_a}, {"data_folder_train_b", &config.data_folder_train_b},
        {"data_list_train_b", &config.data_list_train_b}, {"data_folder_test_a", &config.data_folder_test_a},
        {"data_list_test_a", &config.data_list_test_a}, {"data_folder_test_b", &config.data_folder_test_b},
        {"data_list_test_b", &config.data_list_test_b}})
    top.read<std::string>(key, *field);
  if (root["gen"] && !root["gen"].IsMap()) top.problem(root["gen"], "expected a mapping of generator options");
  if (root["dis"] && !root["dis"].IsMap()) top.problem(root["dis"], "expected a mapping of discriminator options");
  top.known("gen");  // sections, read below
  top.known("dis");
  top.collect_unknown();

  MappingReader g(root["gen"], "gen.", source_name, problems, config.unknown_keys, config.where);
  g.read<std::int64_t>("dim", gen.dim, at_least("gen.dim", 1));
  g.read<std::int64_t>("mlp_dim", gen.mlp_dim, at_least("gen.mlp_dim", 1));
  g.read<std::int64_t>("style_dim", gen.style_dim, at_least("gen.style_dim", 1));
  g.read<std::int64_t>("n_downsample", gen.n_downsample, at_least("gen.n_downsample", 0));
  g.read<std::int64_t>("n_res", gen.n_res, at_least("gen.n_res", 1));
  g.read<std::string>("activ", gen.activ, one_of<std::string>("gen.activ", kActivations));
  g.read<std::string>("pad_type", gen.pad_type, one_of<std::string>("gen.pad_type", kPaddings));
  g.collect_unknown();

  MappingReader d(root["dis"], "dis.", source_name, problems, config.unknown_keys, config.where);
  d.read<std::int64_t>("dim", dis.dim, at_least("dis.dim", 1));
  d.read<std::int64_t>("n_layer", dis.n_layer, at_least("dis.n_layer", 1));
  d.read<std::int64_t>("num_scales", dis.num_scales, at_least("dis.num_scales", 1));
  d.read<std::string>("norm", dis.norm, one_of<std::string>("dis.norm", kDisNorms));
  d.read<std::string>("activ", dis.activ, one_of<std::string>("dis.activ", kActivations));
  d.read<std::string>("gan_type", dis.gan_type, one_of<std::string>("dis.gan_type", kGanTypes));
  d.read<std::string>("pad_type", dis.pad_type, one_of<std::string>("dis.pad_type", kPaddings));
  d.collect_unknown();

  if (!problems.empty()) throw UserError(std::move(problems));
  gen.input_dim = input_dim_a;
  dis.input_dim = input_dim_a;
  config.gen_b = gen;
  config.gen_b.input_dim = input_dim_b;
  config.dis_b = dis;
  config.dis_b.input_dim = input_dim_b;
  return config;
}

std::string read_config_text(const std::filesystem::path& path) {
  try {
    return read_regular_file(path, kMaxTextFileBytes);
  } catch (const FileError& e) {
    throw UserError("cannot open the MUNIT config '" + path.string() + "': " + e.reason());
  }
}

MunitConfig load_config(const std::filesystem::path& path) { return parse_config(read_config_text(path), path.string()); }

}  // namespace munit::model
