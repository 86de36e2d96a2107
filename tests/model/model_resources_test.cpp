// munit.generator / munit.discriminator: MUNIT networks declared in a pipeline's [models] section.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../support/command.h"
#include "../support/fixtures.h"
#include "munit/errors.h"
#include "munit/node.h"
#include "munit/registry.h"
#include "nodes/munit/checkpoint.h"
#include "nodes/munit/models.h"
#include "nodes/munit/state_dict.h"
#include "../support/validated_params.h"

namespace munit::model {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::shared_ptr<void> create(const std::string& kind, std::map<std::string, ParamValue> values, std::uint64_t seed = 1) {
  static const Registry registry = Registry::with_builtins();
  const ResourceKind* resource = registry.resource(kind);
  if (!resource) throw std::logic_error("no resource kind " + kind);
  ResourceContext context{"model", testing::validated_params(registry, kind, values), nullptr, seed, "cpu"};
  return resource->create(context);
}

TEST(ModelResources, GeneratorLoadsTheDomainsEntryOfAnOfficialCheckpoint) {
  const fs::path dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  auto model = std::static_pointer_cast<GeneratorModel>(
      create("munit.generator", {{"config", (dir / "config.yaml").string()},
                                 {"domain", std::string("b")},
                                 {"checkpoint", (dir / "gen.pt").string()}}));
  Generator reference(load_config(dir / "config.yaml").gen_b);
  load_generator(reference, dir / "gen.pt", "b");
  NamedTensors expected = state_dict(*reference), actual = state_dict(*model->net);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_TRUE(torch::equal(actual[i].second, expected[i].second));
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::rand({1, 3, 32, 32}) * 2 - 1;
  EXPECT_TRUE(torch::equal(model->net->forward(x), reference->forward(x)));
}

TEST(ModelResources, FreshNetworksAreSeededPerResource) {
  auto make = [](std::uint64_t seed) {
    return std::static_pointer_cast<GeneratorModel>(create("munit.generator", {{"domain", std::string("a")}}, seed));
  };
  auto first = make(7), again = make(7), other = make(8);
  NamedTensors a = state_dict(*first->net), b = state_dict(*again->net), c = state_dict(*other->net);
  EXPECT_EQ(first->net->config().dim, 64);  // no config file: the edges2shoes values
  bool all_equal = true, any_differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    all_equal &= torch::equal(a[i].second, b[i].second);
    any_differs |= !torch::equal(a[i].second, c[i].second);
  }
  EXPECT_TRUE(all_equal);
  EXPECT_TRUE(any_differs);
  auto dis = std::static_pointer_cast<DiscriminatorModel>(create("munit.discriminator", {{"domain", std::string("b")}}));
  torch::Tensor w = dis->net->named_parameters()["cnns.0.1.conv.weight"];
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.002);  // the official gaussian init of D
}

TEST(ModelResources, AMismatchedCheckpointFailsWithTheFittingConfig) {
  const fs::path dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "dis.pt");
  try {
    create("munit.discriminator", {{"domain", std::string("a")}, {"checkpoint", (dir / "dis.pt").string()}});
    FAIL() << "loaded a 16-wide checkpoint into the default 64-wide discriminator";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("discriminator 'a' of"));
    EXPECT_THAT(e.what(), HasSubstr("dis.dim 16"));
  }
}

TEST(ModelResources, PipelinesDeclareModelsAndValidateTheirParams) {
  const fs::path dir = fs::temp_directory_path() / ("munit_models_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& domain) {
    std::ofstream(dir / "p.toml") << "[models.gen_a]\nkind = \"munit.generator\"\ndomain = \"" << domain
                                  << "\"\n\n[nodes.images]\nkind = \"data.pattern\"\ncount = 1\n"
                                     "[nodes.save]\nkind = \"io.image_writer\"\nin = \"images.out\"\ndir = \"out\"\n";
  };
  write("a");
  auto ok = testing::munit("validate " + (dir / "p.toml").string());
  write("c");
  auto bad = testing::munit("validate " + (dir / "p.toml").string());
  fs::remove_all(dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("p.toml:3:10"));
  EXPECT_THAT(bad.output, HasSubstr("domain"));
}

TEST(ModelResources, MunitNodesDescribesResourceKinds) {
  auto list = testing::munit("nodes");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("munit.generator  [models.*]"));
  auto one = testing::munit("nodes munit.discriminator");
  EXPECT_EQ(one.exit_code, 0) << one.output;
  EXPECT_THAT(one.output, HasSubstr("declared as: [models.NAME] with kind = \"munit.discriminator\""));
  EXPECT_THAT(one.output, HasSubstr("checkpoint (path)"));
  auto json = testing::munit("nodes munit.generator --json");
  EXPECT_THAT(json.output, HasSubstr("\"section\": \"models\""));
}

TEST(ModelResources, TheCheckpointCommandChecksFilesAgainstAConfig) {
  const fs::path dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  auto ok = testing::munit("checkpoint check " + (dir / "gen.pt").string() + " --config " + (dir / "config.yaml").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("598731 + 598731 parameters"));
  auto optimizer = testing::munit("checkpoint check " + (dir / "optimizer.pt").string() + " --config " +
                                  (dir / "config.yaml").string());
  EXPECT_EQ(optimizer.exit_code, 0) << optimizer.output;
  EXPECT_THAT(optimizer.output, HasSubstr("100 + 32 parameters"));

  const fs::path tmp = fs::temp_directory_path() / ("munit_ckcmd_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  std::ofstream(tmp / "wide.yaml") << "gen:\n  dim: 32\n  mlp_dim: 32\n  n_res: 2\n";
  auto mismatch = testing::munit("checkpoint check " + (dir / "gen.pt").string() + " --config " + (tmp / "wide.yaml").string());
  EXPECT_EQ(mismatch.exit_code, 2) << mismatch.output;
  EXPECT_THAT(mismatch.output, HasSubstr("keys of another shape"));
  EXPECT_THAT(mismatch.output, HasSubstr("the file fits: input_dim 3, gen.dim 16"));

  {
    std::ifstream in(dir / "gen.pt", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(tmp / "gen_00000001.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  auto truncated = testing::munit("checkpoint show " + (tmp / "gen_00000001.pt").string());
  EXPECT_EQ(truncated.exit_code, 2) << truncated.output;
  EXPECT_THAT(truncated.output, HasSubstr("is not a readable torch checkpoint"));

  auto converted = testing::munit("checkpoint convert " + (dir / "gen.pt").string() + " " + (tmp / "copy.pt").string() +
                                  " && " MUNIT_BINARY " checkpoint show " + (tmp / "copy.pt").string());
  fs::remove_all(tmp);
  EXPECT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_THAT(converted.output, HasSubstr("'a': state dict: 58 tensors, 599243 elements"));
}

}  // namespace
}  // namespace munit::model
