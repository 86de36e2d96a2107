// pipelines/train/munit.toml, the official training semantics as a graph, started from the
// official fixture's weights and inputs with its recorded random styles, reproduces the official
// trainer's parameters and Adam moments after one iteration.
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../support/fixtures.h"
#include "munit/executor.h"
#include "munit/pipeline.h"
#include "torchio/torch_file.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The pipeline with its inputs and random styles replaced by the fixture's (x_a, x_b and what the
// official run's torch.randn returned).
std::string with_fixture_inputs(std::string toml, const fs::path& io) {
  for (const std::string d : {"a", "b"}) {
    const std::string block = "[nodes.x_" + d + "]\nkind = \"augment.to_tensor\"\nin = \"images_" + d + ".out\"\n";
    auto at = toml.find(block);
    if (at == std::string::npos) throw std::logic_error("no x_" + d + " node in the pipeline");
    toml.replace(at, block.size(), "[nodes.x_" + d + "]\nkind = \"data.tensor_file\"\npath = \"" + io.string() +
                                       "\"\nkey = \"x_" + d + "\"\n");
  }
  for (const char* node : {"dis_s_a", "dis_s_b", "s_a", "s_b"}) {
    const std::regex block("\\[nodes\\." + std::string(node) + "\\]\nkind = \"style.prior\"\nlike = \"[^\"]*\"\n");
    const std::string name = node;
    const std::string key = "iter1.styles." + std::string(name[0] == 'd' ? "dis_" : "gen_") + name.substr(name.size() - 3);
    const std::string replacement = "[nodes." + std::string(node) + "]\nkind = \"data.tensor_file\"\npath = \"" +
                                    io.string() + "\"\nkey = \"" + key + "\"\n";
    std::string replaced = std::regex_replace(toml, block, replacement);
    if (replaced == toml) throw std::logic_error(std::string("no style.prior node ") + node + " in the pipeline");
    toml = replaced;
  }
  return toml;
}

TEST(TrainPipeline, OfficialSemanticsReproduceOneOfficialIteration) {
  const fs::path fixture = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(fixture / "io.pt");
  const fs::path out = fs::temp_directory_path() / ("munit_train_" + std::to_string(::getpid()));
  fs::create_directories(out);
  const fs::path file = fs::path(MUNIT_SOURCE_DIR) / "pipelines" / "train" / "munit.toml";
  std::ofstream(out / "munit.toml") << with_fixture_inputs(read_text(file), fixture / "io.pt");

  const std::string config = (fixture / "config.yaml").string();
  // One config for networks, Adam and loss weights (recon_x_cyc_w 10 in the fixture's).
  std::vector<std::string> overrides = {"pipeline.frames=1", "nodes.save.dir=" + (out / "ckpt").string(),
                                        "pipeline.config=" + config};
  for (const char* model : {"gen_a", "gen_b", "dis_a", "dis_b"})
    overrides.push_back(std::string("models.") + model + ".checkpoint=" +
                        (fixture / (model[0] == 'g' ? "gen.pt" : "dis.pt")).string());
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline((out / "munit.toml").string(), registry, overrides);
  RunStats stats = run_pipeline(pipeline);
  EXPECT_EQ(stats.frames, 1);

  py::Object io = load_torch_file(fixture / "io.pt");
  py::Object gen = load_torch_file(out / "ckpt" / "gen_00000001.pt");
  py::Object dis = load_torch_file(out / "ckpt" / "dis_00000001.pt");
  py::Object optimizer = load_torch_file(out / "ckpt" / "optimizer.pt");
  fs::remove_all(out);

  // Parameter slots in the optimizers: gen_a's parameters then gen_b's (state dict order minus buffers).
  auto slot_of = [&](const std::string& net, const std::string& name) -> std::int64_t {
    const py::Object& file = net[0] == 'g' ? gen : dis;
    std::int64_t slot = 0;
    for (const char* entry : {"a", "b"})
      for (const auto& [key, value] : file.at(entry).entries()) {
        const std::string& k = key.as_string();
        if (k.find("running_") != std::string::npos || k.find("num_batches") != std::string::npos) continue;
        if (net.back() == entry[0] && k == name) return slot;
        ++slot;
      }
    return -1;
  };

  double worst = 0;
  int compared = 0;
  for (const auto& [key_object, expected] : io.entries()) {
    const std::string key = key_object.as_string();
    std::smatch match;
    static const std::regex pattern(R"(iter1\.(param|exp_avg|exp_avg_sq)\.((gen|dis)_(a|b))\.(.*))");
    if (!std::regex_match(key, match, pattern)) continue;
    const std::string kind = match[1], net = match[2], name = match[5];
    at::Tensor actual;
    if (kind == "param") {
      actual = (net[0] == 'g' ? gen : dis).at(std::string(1, net.back())).at(name).as_tensor();
    } else {
      const std::int64_t slot = slot_of(net, name);
      ASSERT_GE(slot, 0) << key;
      const py::Object* state = optimizer.at(net[0] == 'g' ? "gen" : "dis").at("state").find(slot);
      ASSERT_NE(state, nullptr) << key;
      actual = state->at(kind).as_tensor();
    }
    const at::Tensor& reference = expected.as_tensor();
    ASSERT_TRUE(actual.sizes().equals(reference.sizes())) << key;
    const double error = (actual.to(torch::kDouble) - reference.to(torch::kDouble)).abs().max().item<double>();
    EXPECT_LE(error, 1e-5) << key;
    worst = std::max(worst, error);
    ++compared;
  }
  EXPECT_GE(compared, 39);  // 13 parameters: value, exp_avg, exp_avg_sq
  std::printf("pipeline vs official, one iteration: max abs error %.3g over %d tensors\n", worst, compared);
}

}  // namespace
}  // namespace munit
