// Checkpoints munit writes, read by Python's torch (and, where its sources are present, by the
// official trainer's resume()): tests/model/python_reads_munit.py does the Python side.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../support/command.h"
#include "../support/fixtures.h"
#include "nodes/optim/adam.h"
#include "nodes/munit/checkpoint.h"
#include "nodes/munit/config.h"
#include "tests/support/objectives.h"
#include "nodes/munit/state_dict.h"

namespace munit::model {

using optim::Adam;
using optim::AdamOptions;
namespace {

namespace fs = std::filesystem;

TEST(PythonInterop, TorchAndTheOfficialTrainerReadWhatMunitWrites) {
  const fs::path fixture = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(fixture / "gen.pt");
  if (testing::run_command("/usr/bin/python3 -c 'import torch'").exit_code != 0) {
    if (testing::running_in_ci()) FAIL() << "Python's torch (Debian python3-torch) is missing";
    GTEST_SKIP() << "no Python torch (apt install python3-torch)";
  }
  MunitConfig config = load_config(fixture / "config.yaml");
  Generator gen_a(config.gen_a), gen_b(config.gen_b);
  Discriminator dis_a(config.dis_a), dis_b(config.dis_b);
  load_generator(gen_a, fixture / "gen.pt", "a");
  load_generator(gen_b, fixture / "gen.pt", "b");
  load_discriminator(dis_a, fixture / "dis.pt", "a");
  load_discriminator(dis_b, fixture / "dis.pt", "b");
  Adam gen_opt(parameters_of({gen_a.get(), gen_b.get()}), AdamOptions::from(config.optimizer));
  Adam dis_opt(parameters_of({dis_a.get(), dis_b.get()}), AdamOptions::from(config.optimizer));

  torch::manual_seed(3);
  torch::Tensor x_a = torch::rand({2, 3, 32, 32}) * 2 - 1, x_b = torch::rand({2, 3, 32, 32}) * 2 - 1;
  RandomStyles styles{torch::randn({2, 8, 1, 1}), torch::randn({2, 8, 1, 1})};
  Networks nets{gen_a, gen_b, dis_a, dis_b};
  dis_opt.zero_grad();
  discriminator_objective(nets, x_a, x_b, styles, config.loss).loss_dis_total.backward();
  dis_opt.step();
  gen_opt.zero_grad();
  generator_objective(nets, x_a, x_b, styles, config.loss).loss_gen_total.backward();
  gen_opt.step();

  const fs::path dir = fs::temp_directory_path() / ("munit_interop_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  save_pair(checkpoint_path(dir, "gen", 1), *gen_a, *gen_b);
  save_pair(checkpoint_path(dir, "dis", 1), *dis_a, *dis_b);
  save_optimizers(dir / "optimizer.pt", gen_opt, dis_opt);

  auto result = testing::run_command("/usr/bin/python3 " MUNIT_SOURCE_DIR "/tests/model/python_reads_munit.py " +
                                     dir.string() + " " + fixture.string());
  fs::remove_all(dir);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("optimizer.pt['dis'] loads into torch.optim.Adam"), std::string::npos) << result.output;
  std::printf("%s", result.output.c_str());
}

// Official checkpoints saved before torch 1.6 use the legacy layout; Python re-saves the fixture so.
TEST(PythonInterop, LegacyLayoutCheckpointsLoadIntoTheNetworks) {
  const fs::path fixture = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(fixture / "gen.pt");
  if (testing::run_command("/usr/bin/python3 -c 'import torch'").exit_code != 0) {
    if (testing::running_in_ci()) FAIL() << "Python's torch (Debian python3-torch) is missing";
    GTEST_SKIP() << "no Python torch (apt install python3-torch)";
  }
  const fs::path legacy = fs::temp_directory_path() / ("munit_legacy_gen_" + std::to_string(::getpid()) + ".pt");
  auto result = testing::run_command(
      "/usr/bin/python3 -c \"import sys, torch; torch.save(torch.load(sys.argv[1]), sys.argv[2], "
      "_use_new_zipfile_serialization=False)\" " + (fixture / "gen.pt").string() + " " + legacy.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  MunitConfig config = load_config(fixture / "config.yaml");
  Generator from_zip(config.gen_b), from_legacy(config.gen_b);
  load_generator(from_zip, fixture / "gen.pt", "b");
  load_generator(from_legacy, legacy, "b");
  fs::remove(legacy);
  NamedTensors zip = state_dict(*from_zip), old = state_dict(*from_legacy);
  ASSERT_EQ(zip.size(), old.size());
  for (std::size_t i = 0; i < zip.size(); ++i) EXPECT_TRUE(torch::equal(zip[i].second, old[i].second)) << zip[i].first;
}

}  // namespace
}  // namespace munit::model
