// One configuration (issue 17): `munit train --config` from an official YAML, YAML imports in TOML
// pipelines ([pipeline] config, `follows`), network settings as parameters, and the checks
// validation makes before anything runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include "../support/command.h"
#include "../support/fixtures.h"
#include "../support/scratch_dir.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
namespace fs = std::filesystem;

const std::string kSource = MUNIT_SOURCE_DIR;

// stdout only: warnings go to stderr.
CommandResult munit_stdout(const std::string& arguments) { return munit(arguments + " 2>/dev/null"); }

std::string text_of(const toml::node& node) {
  std::ostringstream out;
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) out << f->get();
  else if (auto b = node.as_boolean()) out << (b->get() ? "true" : "false");
  return out.str();
}

// Equal as numbers where both read as numbers (1 and 1.0), else as text.
bool same(const std::string& yaml, const toml::node& node) {
  const std::string toml = text_of(node);
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double a = std::strtod(yaml.c_str(), &end_a), b = std::strtod(toml.c_str(), &end_b);
  if (!yaml.empty() && !toml.empty() && *end_a == '\0' && *end_b == '\0') return a == b;
  return yaml == toml;
}

// Where each key of an official config must land in the pipeline `munit train` builds: "table.key"
// paths of the TOML. Keys that land as a path are checked by path_of() below.
std::map<std::string, std::vector<std::string>> landing_places() {
  std::map<std::string, std::vector<std::string>> at;
  for (const char* key : {"dim", "mlp_dim", "style_dim", "activ", "n_downsample", "n_res", "pad_type"})
    at[std::string("gen.") + key] = {std::string("models.gen_a.") + key, std::string("models.gen_b.") + key};
  for (const char* key : {"dim", "norm", "activ", "n_layer", "gan_type", "num_scales", "pad_type"})
    at[std::string("dis.") + key] = {std::string("models.dis_a.") + key, std::string("models.dis_b.") + key};
  at["input_dim_a"] = {"models.gen_a.input_dim", "models.dis_a.input_dim"};
  at["input_dim_b"] = {"models.gen_b.input_dim", "models.dis_b.input_dim"};
  at["init"] = {"models.gen_a.init", "models.gen_b.init"};
  for (const char* key : {"lr", "beta1", "beta2", "weight_decay", "lr_policy", "step_size", "gamma"})
    at[key] = {std::string("optimizers.gen.") + key, std::string("optimizers.dis.") + key};
  at["gan_w"] = {"nodes.loss_dis_a.weight", "nodes.loss_dis_b.weight", "nodes.adv_a.weight", "nodes.adv_b.weight"};
  at["recon_x_w"] = {"nodes.recon_x_a.weight", "nodes.recon_x_b.weight"};
  at["recon_s_w"] = {"nodes.recon_s_a.weight", "nodes.recon_s_b.weight"};
  at["recon_c_w"] = {"nodes.recon_c_a.weight", "nodes.recon_c_b.weight"};
  at["recon_x_cyc_w"] = {"nodes.cyc_x_a.weight", "nodes.cyc_x_b.weight"};
  at["vgg_w"] = {"nodes.vgg_a.weight", "nodes.vgg_b.weight"};
  at["max_iter"] = {"pipeline.frames"};
  at["batch_size"] = {"nodes.images_a.batch", "nodes.images_b.batch"};
  at["num_workers"] = {"nodes.images_a.decode_threads", "nodes.images_b.decode_threads"};
  at["new_size"] = {"nodes.resize_a.size", "nodes.resize_b.size"};
  at["crop_image_height"] = {"nodes.crop_a.height", "nodes.crop_b.height"};
  at["crop_image_width"] = {"nodes.crop_a.width", "nodes.crop_b.width"};
  at["snapshot_save_iter"] = {"nodes.save.every"};
  at["image_save_iter"] = {"nodes.samples.every"};
  at["image_display_iter"] = {"nodes.samples_current.every"};
  at["display_size"] = {"nodes.samples.display", "nodes.samples_current.display"};
  at["log_iter"] = {"nodes.log.every"};
  return at;
}

std::map<std::string, std::string> yaml_keys(const fs::path& file) {
  std::map<std::string, std::string> keys;
  const YAML::Node root = YAML::LoadFile(file.string());
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (entry.second.IsMap()) {
      for (const auto& inner : entry.second) keys[key + "." + inner.first.as<std::string>()] = inner.second.as<std::string>();
    } else {
      keys[key] = entry.second.as<std::string>();
    }
  }
  return keys;
}

const toml::node* at_path(const toml::table& root, const std::string& dotted) {
  return root.at_path(dotted).node();
}

std::string absolute_path(const fs::path& path) { return fs::absolute(path).lexically_normal().string(); }

TEST(TrainConfig, EveryKeyOfEachOfficialConfigLandsInThePipeline) {
  ScratchDir scratch("munit_train_config");
  const auto landing = landing_places();
  for (const char* name : {"edges2shoes", "edges2handbags", "summer2winter_yosemite256", "synthia2cityscape"}) {
    SCOPED_TRACE(name);
    const fs::path config = fs::path(kSource) / "configs" / (std::string(name) + ".yaml");
    const std::string weights = (scratch / "models" / "vgg16.weight").string();
    if (std::string(name) == "synthia2cityscape") {
      // vgg_w is 1: train.py reads the VGG16 weights from <output_path>/models/vgg16.weight.
      auto refused = munit("train --config " + config.string() + " --print-pipeline --output_path " + scratch.path().string());
      EXPECT_EQ(refused.exit_code, 2) << refused.output;
      EXPECT_THAT(refused.output, HasSubstr("no VGG16 weights file '" + weights + "'"));
      scratch.write("models/vgg16.weight", "weights");
    }
    auto printed = munit_stdout("train --config " + config.string() + " --print-pipeline --output_path " +
                                scratch.path().string());
    ASSERT_EQ(printed.exit_code, 0) << munit("train --config " + config.string() + " --print-pipeline").output;
    const toml::table pipeline = toml::parse(printed.output);
    for (const auto& [key, value] : yaml_keys(config)) {
      SCOPED_TRACE(key);
      if (key == "data_root") {
        for (const char* d : {"a", "b"})
          EXPECT_EQ(text_of(*at_path(pipeline, std::string("nodes.images_") + d + ".dir")),
                    absolute_path(fs::path(value) / (std::string("train") + (d[0] == 'a' ? "A" : "B"))));
        continue;
      }
      if (key == "vgg_w" && value == "0") {  // no perceptual loss: its nodes are left out, as the official trainer does
        EXPECT_EQ(at_path(pipeline, "nodes.vgg_a"), nullptr);
        continue;
      }
      if (key == "vgg_w") {
        for (const char* node : {"nodes.vgg_a.weights", "nodes.vgg_b.weights"}) EXPECT_EQ(text_of(*at_path(pipeline, node)), weights);
      }
      auto places = landing.find(key);
      ASSERT_NE(places, landing.end()) << "no expectation for the key " << key;
      for (const auto& place : places->second) {
        const toml::node* node = at_path(pipeline, place);
        ASSERT_NE(node, nullptr) << place << " missing";
        EXPECT_TRUE(same(value, *node)) << place << " = " << text_of(*node) << ", the YAML says " << value;
      }
    }
    // Outputs where train.py puts them.
    const fs::path outputs = scratch.path() / "outputs" / fs::path(config).stem();
    EXPECT_EQ(text_of(*at_path(pipeline, "nodes.save.dir")), (outputs / "checkpoints").string());
    EXPECT_EQ(text_of(*at_path(pipeline, "nodes.samples.dir")), (outputs / "images").string());
  }
}

// Images of two sizes in trainA/ and trainB/ of `root`.
void write_training_folders(const fs::path& root) {
  fs::create_directories(root);
  for (const char* domain : {"trainA", "trainB"}) {
    for (int i = 0; i < 3; ++i) {
      const fs::path pattern = root / ("pattern_" + std::to_string(i) + ".toml");
      std::ofstream(pattern) << "[nodes.i]\nkind = \"data.pattern\"\ncount = 1\nsize = " << 40 + 4 * i
                             << "\n[nodes.w]\nkind = \"io.image_writer\"\nin = \"i.out\"\nformat = \"png\"\ndir = \""
                             << (root / domain).string() << "\"\nsuffix = \"_" << i << "\"\n";
      ASSERT_EQ(munit("--log-level warn run " + pattern.string()).exit_code, 0);
    }
  }
}

// The user's case: batch, cycle weight, sizes and schedule from the YAML take effect.
TEST(TrainConfig, TheYamlsValuesTrain) {
  ScratchDir scratch("munit_train_config");
  write_training_folders(scratch / "data");
  const std::string config = scratch.write("mine.yaml", R"(max_iter: 2
batch_size: 2
snapshot_save_iter: 1
image_save_iter: 2
image_display_iter: 1
display_size: 2
log_iter: 1
lr: 0.0002
lr_policy: constant
gan_w: 2
recon_x_w: 5
recon_s_w: 1
recon_c_w: 1
recon_x_cyc_w: 10
vgg_w: 0
gen:
  dim: 8
  mlp_dim: 16
  style_dim: 4
  n_downsample: 2
  n_res: 1
dis:
  dim: 8
  n_layer: 2
  num_scales: 1
new_size: 36
crop_image_height: 32
crop_image_width: 32
num_workers: 1
data_root: )" + (scratch / "data").string() + "\n");
  auto ran = munit("--log-level warn train --config " + config + " --output_path " + scratch.path().string());
  ASSERT_EQ(ran.exit_code, 0) << ran.output;

  const fs::path outputs = scratch.path() / "outputs" / "mine";
  EXPECT_TRUE(fs::exists(outputs / "checkpoints" / "gen_00000001.pt"));  // snapshot_save_iter 1
  EXPECT_TRUE(fs::exists(outputs / "checkpoints" / "gen_00000002.pt"));
  EXPECT_TRUE(fs::exists(outputs / "images" / "gen_a2b_train_00000002.jpg"));  // image_save_iter 2
  EXPECT_TRUE(fs::exists(outputs / "images" / "gen_a2b_train_current.jpg"));  // image_display_iter
  EXPECT_TRUE(fs::exists(outputs / "config.yaml"));
  std::ifstream log(scratch.path() / "logs" / "mine" / "metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);  // log_iter 1, max_iter 2
  EXPECT_TRUE(lines[0].contains("cyc_x_a.raw"));  // recon_x_cyc_w 10: the cycle terms run
  EXPECT_DOUBLE_EQ(lines[0]["step_gen.lr"].get<double>(), 0.0002);

  // What the run took, read back from the pipeline it wrote beside its outputs.
  auto resolved = munit_stdout("validate " + (outputs / "pipeline.toml").string() + " --print-resolved");
  ASSERT_EQ(resolved.exit_code, 0) << resolved.output;
  const toml::table run = toml::parse(resolved.output);
  EXPECT_EQ(text_of(*at_path(run, "nodes.images_a.batch")), "2");
  EXPECT_EQ(text_of(*at_path(run, "nodes.cyc_x_b.weight")), "10");
  EXPECT_EQ(text_of(*at_path(run, "nodes.adv_a.weight")), "2");
  EXPECT_EQ(text_of(*at_path(run, "nodes.recon_x_a.weight")), "5");
  EXPECT_EQ(text_of(*at_path(run, "nodes.crop_a.height")), "32");
  EXPECT_EQ(text_of(*at_path(run, "nodes.resize_b.size")), "36");
  EXPECT_EQ(text_of(*at_path(run, "models.gen_a.dim")), "8");
  EXPECT_EQ(text_of(*at_path(run, "models.dis_b.num_scales")), "1");
  EXPECT_EQ(text_of(*at_path(run, "optimizers.dis.lr_policy")), "constant");
  // The checkpoint holds networks of the YAML's shape.
  auto fits = munit("checkpoint check " + (outputs / "checkpoints" / "gen_00000002.pt").string() + " --config " + config);
  EXPECT_EQ(fits.exit_code, 0) << fits.output;

  // --resume continues to a larger max_iter, as train.py --resume does.
  auto resumed = munit("--log-level warn train --config " + config + " --output_path " + scratch.path().string() +
                       " --resume --set pipeline.frames=3");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(fs::exists(outputs / "checkpoints" / "gen_00000003.pt"));
}

TEST(TrainConfig, KeysItCannotHonourAreErrorsAtTheirLine) {
  ScratchDir scratch("munit_train_config");
  const std::string base = "data_root: " + scratch.path().string() + "\n";
  auto unknown = munit("train --print-pipeline --config " + scratch.write("typo.yaml", base + "gen:\n  dimm: 8\n"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("typo.yaml:3:3: 'gen.dimm'"));
  auto unit_key = munit("train --print-pipeline --config " + scratch.write("unit.yaml", base + "recon_kl_w: 0.01\n"));
  EXPECT_EQ(unit_key.exit_code, 0) << unit_key.output;  // ignored by the official trainer too: a warning
  EXPECT_THAT(unit_key.output, HasSubstr("'recon_kl_w': ignored: the official MUNIT trainer does not read it either"));
  auto no_data = munit("train --print-pipeline --config " + scratch.write("nodata.yaml", "lr: 0.1\n"));
  EXPECT_EQ(no_data.exit_code, 2);
  EXPECT_THAT(no_data.output, HasSubstr("names no training data"));
  auto odd = munit("train --print-pipeline --config " + scratch.write("odd.yaml", base + "crop_image_height: 250\n"));
  EXPECT_EQ(odd.exit_code, 2);
  EXPECT_THAT(odd.output, HasSubstr("odd.yaml:2:20: 'crop_image_height': 250 is not divisible by 2^n_downsample = 4"));
  auto bad = munit("train --print-pipeline --config " + scratch.write("bad.yaml", base + "lr: fast\n"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("bad.yaml:2:5"));
  // A size the networks do not take, at its line too (the range `munit nodes munit.generator` shows).
  auto huge = munit("train --print-pipeline --config " + scratch.write("huge.yaml", base + "gen:\n  dim: 5000\n"));
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_THAT(huge.output, HasSubstr("huge.yaml:3:8: 'gen.dim': 5000 is out of range: munit.generator takes dim from 1 to 4096"));
  // --set works on the pipeline it builds.
  auto set = munit_stdout("train --print-pipeline --config " + scratch.write("ok.yaml", base) +
                          " --set models.gen_a.dim=16 --set models.gen_b.dim=16 --set nodes.images_a.batch=4");
  ASSERT_EQ(set.exit_code, 0);
  const toml::table pipeline = toml::parse(set.output);
  EXPECT_EQ(text_of(*at_path(pipeline, "models.gen_a.dim")), "16");
  EXPECT_EQ(text_of(*at_path(pipeline, "nodes.images_a.batch")), "4");
}

const std::string kMunitToml = kSource + "/pipelines/train/munit.toml";

// A hand-written pipeline importing a YAML: values land where the TOML is silent, the TOML wins
// (and says so), and keys nothing reads are named.
TEST(TrainConfig, PipelineConfigImportsIntoModelsOptimizersAndLossWeights) {
  ScratchDir scratch("munit_train_config");
  const std::string yaml = scratch.write("user.yaml", R"(batch_size: 8
recon_x_cyc_w: 10
gan_w: 3
recon_x_w: 7
recon_s_w: 1
recon_c_w: 1
vgg_w: 0
new_size: 32
lr: 0.0003
gen:
  dim: 16
  n_res: 2
dis:
  num_scales: 2
)");
  const std::string arguments = "validate " + kMunitToml + " --print-resolved --set pipeline.config=" + yaml +
                                " --set optimizers.dis.lr=0.0005";
  auto resolved = munit(arguments);  // with the notes
  ASSERT_EQ(resolved.exit_code, 0) << resolved.output;
  const toml::table run = toml::parse(munit_stdout(arguments).output);
  EXPECT_EQ(text_of(*at_path(run, "nodes.cyc_x_a.weight")), "10");
  EXPECT_EQ(text_of(*at_path(run, "nodes.loss_dis_b.weight")), "3");
  EXPECT_EQ(text_of(*at_path(run, "nodes.recon_x_b.weight")), "7");
  EXPECT_EQ(text_of(*at_path(run, "models.gen_a.dim")), "16");
  EXPECT_EQ(text_of(*at_path(run, "models.gen_a.n_res")), "2");
  EXPECT_EQ(text_of(*at_path(run, "models.dis_a.num_scales")), "2");
  EXPECT_EQ(text_of(*at_path(run, "optimizers.gen.lr")), "0.0003");
  EXPECT_EQ(text_of(*at_path(run, "optimizers.dis.lr")), "0.0005");  // the TOML (--set) wins ...
  EXPECT_THAT(resolved.output, MatchesRegex("(.|\n)*optimizers.dis\\] \\(optim.adam\\) → param 'lr': this value wins "
                                            "over the float 0.0003 of .*user.yaml:9:5(.|\n)*"));  // ... and says so
  // Keys no node of munit.toml reads are named, with their lines.
  EXPECT_THAT(resolved.output, HasSubstr("keys no node or resource of this pipeline reads: batch_size (line 1), vgg_w (line 7), new_size (line 8)"));
}

TEST(TrainConfig, ModelConfigLeavesLossWeightsNamedNotDropped) {
  ScratchDir scratch("munit_train_config");
  const std::string yaml = scratch.write("user.yaml", "recon_x_cyc_w: 10\ngen:\n  dim: 16\n");
  std::string sets;
  for (const char* model : {"gen_a", "gen_b", "dis_a", "dis_b"})
    sets += std::string(" --set models.") + model + ".config=" + yaml;
  auto validated = munit("validate " + kMunitToml + sets);
  ASSERT_EQ(validated.exit_code, 0) << validated.output;
  EXPECT_THAT(validated.output, HasSubstr("user.yaml: keys no node or resource of this pipeline reads: recon_x_cyc_w (line 1)"));
}

TEST(TrainConfig, NetworkSettingsAreParameters) {
  auto described = munit("nodes munit.generator");
  ASSERT_EQ(described.exit_code, 0);
  for (const char* line : {"    dim (int) = 64  [range [1, 4096]]", "mlp_dim (int) = 256  [range [1, 65536]]",
                           "style_dim (int) = 8  [range [1, 4096]]", "n_downsample (int) = 2  [range [0, 8]]",
                           "n_res (int) = 4  [range [1, 64]]", "input_dim (int) = 3  [range [1, 4096]]",
                           "activ (string) = \"relu\"  [one of relu lrelu prelu selu tanh none]",
                           "pad_type (string) = \"reflect\"  [one of reflect replicate zero]",
                           "init (string) = \"kaiming\"  [one of gaussian kaiming xavier orthogonal default]"})
    EXPECT_THAT(described.output, HasSubstr(line));
  auto discriminator = munit("nodes munit.discriminator");
  for (const char* line : {"n_layer (int) = 4  [range [1, 16]]", "num_scales (int) = 3  [range [1, 8]]",
                           "norm (string) = \"none\"  [one of none bn in ln]"})
    EXPECT_THAT(discriminator.output, HasSubstr(line));

  // Cross-domain decodes need equal content codes: gen_a alone of another width is refused ...
  auto lone = munit("validate " + kMunitToml + " --set models.gen_a.dim=16");
  EXPECT_EQ(lone.exit_code, 2);
  EXPECT_THAT(lone.output, HasSubstr("'enc_b.content' gives content codes of 256 channels, but model 'gen_a' takes 64"));
  // ... and --set models.gen_a.dim=16 (with gen_b) builds generators of 16 first-layer filters.
  ScratchDir scratch("munit_train_config");
  std::string sets = " --set pipeline.frames=1 --set models.gen_a.dim=16 --set models.gen_b.dim=16"
                     " --set nodes.save.every=1 --set nodes.save.dir=" +
                     (scratch / "ckpt").string() + " --set nodes.samples.dir=" + (scratch / "images").string() +
                     " --set nodes.log.path=" + (scratch / "m.jsonl").string();
  auto ran = munit("--log-level warn run " + kMunitToml + sets);
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  auto shown = munit("checkpoint show " + (scratch / "ckpt" / "gen_00000001.pt").string() + " --all");
  EXPECT_THAT(shown.output, MatchesRegex("(.|\n)*'a':(.|\n)*enc_style.model.0.conv.weight  Float\\[16, 3, 7, 7\\](.|\n)*"
                                         "'b':(.|\n)*enc_style.model.0.conv.weight  Float\\[16, 3, 7, 7\\](.|\n)*"));
  auto wide = munit("checkpoint show " + (scratch / "ckpt" / "dis_00000001.pt").string());
  EXPECT_THAT(wide.output, HasSubstr("'a': the file fits: input_dim 3, dis.dim 64,"));  // the discriminators keep 64
}

// munit validate finds, at their lines, what would otherwise fail the run.
class TrainConfigValidate : public ::testing::Test {
 protected:
  // munit.toml with `extra` TOML on top; the validation's exit code and messages.
  CommandResult validate(const std::string& extra) {
    return munit("validate " + scratch.write("p.toml", "include = \"" + kMunitToml + "\"\n" + extra));
  }
  ScratchDir scratch{"munit_validate"};
};

TEST_F(TrainConfigValidate, ABadYamlValueAtItsLine) {
  const std::string yaml = scratch.write("bad.yaml", "gen:\n  dim: -3\n  activ: relu6\n");
  auto bad = validate("[pipeline]\nconfig = \"" + yaml + "\"\n");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("bad.yaml:2:8: [models.gen_a] (munit.generator) → param 'dim': value -3 is out of "
                                    "range: must be [1, 4096]"));
  EXPECT_THAT(bad.output, HasSubstr("bad.yaml:3:10: [models.gen_b] (munit.generator) → param 'activ': 'relu6' is not one of"));
  // The loss weights it follows are missing from this file: said, not taken as 1.
  EXPECT_THAT(bad.output, HasSubstr("follows 'recon_x_w', which " + yaml + " does not set"));
}

TEST_F(TrainConfigValidate, AMissingCheckpoint) {
  auto missing = validate("[models.gen_a]\ncheckpoint = \"no_such_gen.pt\"\n");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, MatchesRegex("(.|\n)*p.toml:3:14: \\[models.gen_a\\] \\(munit.generator\\) → param "
                                           "'checkpoint': no checkpoint file '.*no_such_gen.pt'(.|\n)*"));
}

TEST_F(TrainConfigValidate, ACheckpointOfAnotherShape) {
  const fs::path gen = fixtures_dir() / "official-small" / "gen.pt";  // gen.dim 16; munit.toml's is 64
  MUNIT_REQUIRE_FIXTURE(gen);
  auto other = validate("[models.gen_a]\ncheckpoint = \"" + gen.string() + "\"\n");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.output, HasSubstr("p.toml:3:14: [models.gen_a] (munit.generator) → param 'checkpoint': generator 'a'"));
  EXPECT_THAT(other.output, HasSubstr("does not fit"));
  EXPECT_THAT(other.output, HasSubstr("gen.dim 16"));
  // Declared with the fixture's settings, it fits.
  auto fits = validate("[models.gen_a]\ncheckpoint = \"" + gen.string() +
                       "\"\ndim = 16\nmlp_dim = 32\nn_res = 2\n"
                       "[models.gen_b]\ndim = 16\nmlp_dim = 32\nn_res = 2\n");
  EXPECT_EQ(fits.exit_code, 0) << fits.output;
}

TEST_F(TrainConfigValidate, AnImageSizeTheGeneratorCannotTake) {
  auto odd = validate("[nodes.images_a]\nsize = 30\n");
  EXPECT_EQ(odd.exit_code, 2);
  EXPECT_THAT(odd.output, MatchesRegex("(.|\n)*munit.toml:[0-9]+:[0-9]+: node 'enc_a' \\(munit.encode\\): 'x_a.out' gives "
                                       "images of height 30, not divisible by 2\\^n_downsample = 4 of model 'gen_a'(.|\n)*"));
  auto crop = validate("[nodes.crop]\nkind = \"augment.crop\"\nin = \"images_b.out\"\nwidth = 64\nheight = 50\n"
                       "[nodes.x_b]\nin = \"crop.out\"\n");
  EXPECT_EQ(crop.exit_code, 2);
  EXPECT_THAT(crop.output, HasSubstr("'x_b.out' gives images of height 50, not divisible"));
  // MUNIT issue 102: images too small for the discriminator's scales.
  auto small = validate("[nodes.images_a]\nsize = 32\n");
  EXPECT_EQ(small.exit_code, 2);
  EXPECT_THAT(small.output, HasSubstr("node 'loss_dis_a' (loss.gan_d): 'x_a.out' gives images of height 32, smaller than "
                                      "the 61 pixels model 'dis_a' takes (n_layer 4 at num_scales 3)"));
  EXPECT_EQ(validate("[nodes.images_a]\nsize = 64\n").exit_code, 0);
}

TEST_F(TrainConfigValidate, StyleCodesOfAnotherWidth) {
  auto wide = validate("[nodes.s_a]\nstyle_dim = 6\n");
  EXPECT_EQ(wide.exit_code, 2);
  EXPECT_THAT(wide.output, MatchesRegex("(.|\n)*munit.toml:[0-9]+:[0-9]+: node 'x_ba' \\(munit.decode\\): 's_a.out' gives "
                                       "style codes of width 6, but model 'gen_a' has style_dim 8: make them equal(.|\n)*"));
}

TEST_F(TrainConfigValidate, AnOutputFolderThatCannotBeWritten) {
  const std::string file = scratch.write("a_file", "not a folder");
  auto blocked = validate("[nodes.save]\ndir = \"" + file + "/checkpoints\"\n");
  EXPECT_EQ(blocked.exit_code, 2);
  EXPECT_THAT(blocked.output, HasSubstr("p.toml:3:7: node 'save' (io.checkpoint) → param 'dir': cannot create the folder"));
  EXPECT_THAT(blocked.output, HasSubstr("is not a folder"));
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(scratch / "locked");
    fs::permissions(scratch / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    auto locked = validate("[nodes.samples]\ndir = \"" + (scratch / "locked" / "images").string() + "\"\n");
    EXPECT_EQ(locked.exit_code, 2);
    EXPECT_THAT(locked.output, HasSubstr("Permission denied"));
    fs::permissions(scratch / "locked", fs::perms::owner_all);
  }
}

}  // namespace
}  // namespace munit::testing
