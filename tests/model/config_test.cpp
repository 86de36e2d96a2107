// Official YAML configs: values, defaults, and errors that point at the line.
#include <gtest/gtest.h>

#include "../support/fixtures.h"
#include "munit/errors.h"
#include "nodes/munit/config.h"

namespace munit::model {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "test.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, ReadsTheFixtureConfigInTheOfficialLayout) {
  const auto path = testing::fixtures_dir() / "official-small" / "config.yaml";
  MUNIT_REQUIRE_FIXTURE(path);
  MunitConfig c = load_config(path);
  EXPECT_EQ(c.gen_a.dim, 16);
  EXPECT_EQ(c.gen_a.mlp_dim, 32);
  EXPECT_EQ(c.gen_a.style_dim, 8);
  EXPECT_EQ(c.gen_a.n_res, 2);
  EXPECT_EQ(c.gen_b.input_dim, 3);
  EXPECT_EQ(c.dis_a.n_layer, 3);
  EXPECT_EQ(c.dis_b.num_scales, 2);
  EXPECT_EQ(c.dis_a.gan_type, "lsgan");
  EXPECT_EQ(c.init, "kaiming");
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 1e-4);
  EXPECT_DOUBLE_EQ(c.optimizer.weight_decay, 1e-4);
  EXPECT_EQ(c.optimizer.step_size, 100000);
  EXPECT_DOUBLE_EQ(c.loss.recon_x_cyc_w, 10);
  EXPECT_EQ(c.batch_size, 2);
  EXPECT_TRUE(c.unknown_keys.empty());
}

TEST(Config, DomainsMayHaveDifferentChannelCounts) {
  MunitConfig c = parse_config("input_dim_a: 1\ninput_dim_b: 3\ngen:\n  dim: 8\n");
  EXPECT_EQ(c.gen_a.input_dim, 1);
  EXPECT_EQ(c.dis_a.input_dim, 1);
  EXPECT_EQ(c.gen_b.input_dim, 3);
  EXPECT_EQ(c.dis_b.input_dim, 3);
  EXPECT_EQ(c.gen_b.dim, 8);
  EXPECT_EQ(c.gen_a.mlp_dim, 256);  // missing keys: the official edges2shoes values
}

TEST(Config, ErrorsNameFileLineAndWhatIsAccepted) {
  std::string e = error_of("lr: 0.0001\ngen:\n  dim: 64\n  activ: gelu\n");
  EXPECT_NE(e.find("test.yaml:4:10"), std::string::npos) << e;
  EXPECT_NE(e.find("'gen.activ'"), std::string::npos) << e;
  EXPECT_NE(e.find("relu, lrelu, prelu, selu, tanh, none"), std::string::npos) << e;

  e = error_of("batch_size: many\n");
  EXPECT_NE(e.find("test.yaml:1:13"), std::string::npos) << e;
  EXPECT_NE(e.find("expected an integer, found 'many'"), std::string::npos) << e;

  e = error_of("dis:\n  norm: sn\n  num_scales: 0\n");
  EXPECT_NE(e.find("dis.norm 'sn' is not one of: none, bn, in, ln"), std::string::npos) << e;
  EXPECT_NE(e.find("dis.num_scales = 0 must be at least 1"), std::string::npos) << e;  // every problem reported

  e = error_of("gen: [1, 2\n");
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
  e = error_of("- just\n- a list\n");
  EXPECT_NE(e.find("YAML mapping"), std::string::npos) << e;
  EXPECT_THROW(load_config("/no/such/config.yaml"), UserError);
}

TEST(Config, UnknownKeysAreReportedForTheCallerToWarnAbout) {
  MunitConfig c = parse_config("lr: 0.1\nlearning_rate: 0.2\ngen:\n  dimm: 3\n");
  EXPECT_EQ(c.unknown_keys, (std::vector<std::string>{"learning_rate", "gen.dimm"}));
}

}  // namespace
}  // namespace munit::model
