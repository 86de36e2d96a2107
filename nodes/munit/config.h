#pragma once
// The hyperparameters of a MUNIT model and its training, with the official YAML layout
// (configs/*.yaml of NVlabs/MUNIT). Keys a file leaves out take the official edges2shoes values.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../optim/optimizer_config.h"
#include "munit/errors.h"

namespace munit::model {

using optim::OptimizerConfig;

inline const std::vector<std::string> kActivations = {"relu", "lrelu", "prelu", "selu", "tanh", "none"};
inline const std::vector<std::string> kPaddings = {"reflect", "replicate", "zero"};
inline const std::vector<std::string> kDisNorms = {"none", "bn", "in", "ln"};
inline const std::vector<std::string> kGanTypes = {"lsgan", "nsgan"};
inline const std::vector<std::string> kInits = {"gaussian", "kaiming", "xavier", "orthogonal", "default"};

struct GeneratorConfig {
  std::int64_t input_dim = 3;  // image channels of the domain (input_dim_a / input_dim_b)
  std::int64_t dim = 64;       // filters of the first layer
  std::int64_t mlp_dim = 256;
  std::int64_t style_dim = 8;
  std::int64_t n_downsample = 2;
  std::int64_t n_res = 4;
  std::string activ = "relu";  // relu | lrelu | prelu | selu | tanh | none
  std::string pad_type = "reflect";  // reflect | replicate | zero
};

struct DiscriminatorConfig {
  std::int64_t input_dim = 3;
  std::int64_t dim = 64;
  std::int64_t n_layer = 4;
  std::int64_t num_scales = 3;
  std::string norm = "none";   // none | bn | in | ln
  std::string activ = "lrelu";
  std::string gan_type = "lsgan";  // lsgan | nsgan
  std::string pad_type = "reflect";
};

struct LossWeights {
  double gan_w = 1;
  double recon_x_w = 10;
  double recon_s_w = 1;
  double recon_c_w = 1;
  double recon_x_cyc_w = 0;
  double vgg_w = 0;
};

struct MunitConfig {
  GeneratorConfig gen_a, gen_b;  // equal but for input_dim
  DiscriminatorConfig dis_a, dis_b;
  std::string init = "kaiming";  // gaussian | kaiming | xavier | orthogonal | default
  OptimizerConfig optimizer;
  LossWeights loss;
  std::int64_t batch_size = 1;
  std::int64_t max_iter = 1000000;
  std::int64_t snapshot_save_iter = 10000;
  std::int64_t image_save_iter = 10000;
  std::int64_t image_display_iter = 500;
  std::int64_t log_iter = 10;
  std::int64_t display_size = 16;
  std::int64_t new_size = 256;
  std::int64_t new_size_a = 256, new_size_b = 256;  // new_size when given, else these keys
  std::int64_t crop_image_height = 256;
  std::int64_t crop_image_width = 256;
  std::int64_t num_workers = 8;
  std::string vgg_model_path;
  // Training data: data_root/{trainA,trainB}, or a folder and a file list per domain.
  std::string data_root;
  std::string data_folder_train_a, data_list_train_a, data_folder_train_b, data_list_train_b;
  std::string data_folder_test_a, data_list_test_a, data_folder_test_b, data_list_test_b;
  std::vector<std::string> unknown_keys;  // keys of the file this reader does not know, "gen.foo"
  std::map<std::string, SourceLocation> where;  // the keys the file sets ("gen.dim"), at their values

  bool has(const std::string& key) const { return where.count(key) > 0; }
};

// Throws UserError with file:line:column for a malformed file, a value of the wrong type or out
// of range, naming what would be accepted.
MunitConfig load_config(const std::filesystem::path& path);
// The two steps every reader of these files shares: the text (UserError naming the file when it
// cannot be read), and the text as a YAML mapping (UserError with file:line:column when it is not).
std::string read_config_text(const std::filesystem::path& path);
YAML::Node parse_config_mapping(const std::string& yaml_text, const std::string& source_name);
MunitConfig parse_config(const std::string& yaml_text, const std::string& source_name = "<config>");

// Throws std::invalid_argument when a value is outside what the networks accept.
void check(const GeneratorConfig& config);
void check(const DiscriminatorConfig& config);

}  // namespace munit::model
