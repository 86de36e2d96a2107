// A loss weighted 0 is left out of the run with the passes only it needed, as the official trainer
// skips recon_x_cyc_w = 0; the lists that named it lose its entries, and a list keeps its last one.
#include <algorithm>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "munit/pipeline.h"

namespace munit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kFused = (std::filesystem::path(MUNIT_SOURCE_DIR) / "pipelines" / "train" / "munit_fused.toml").string();

const ResolvedNode& node(const Pipeline& pipeline, const std::string& id) {
  auto it = std::find_if(pipeline.nodes.begin(), pipeline.nodes.end(), [&](const ResolvedNode& n) { return n.id == id; });
  if (it == pipeline.nodes.end()) throw std::runtime_error("no node " + id);
  return *it;
}

std::vector<std::string> ids_of_list(const Pipeline& pipeline, const std::string& id, std::size_t input) {
  std::vector<std::string> ids;
  for (const InputBinding& binding : node(pipeline, id).inputs[input]) ids.push_back(pipeline.nodes[binding.producer].id);
  return ids;
}

TEST(Inert, ZeroCycleWeightLeavesOutTheCycleDecodes) {
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(kFused, registry);
  EXPECT_THAT(pipeline.left_out, ElementsAre("x_aba", "x_bab", "cyc_x_a", "cyc_x_b"));
  EXPECT_THAT(ids_of_list(pipeline, "step_gen", 0),
              ElementsAre("adv_a", "adv_b", "recon_x_a", "recon_s_a", "recon_c_a", "recon_x_b", "recon_s_b", "recon_c_b"));
  // The bindings point at the right nodes after the renumbering, and the order stays topological.
  for (std::size_t i = 0; i < pipeline.nodes.size(); ++i)
    for (int producer : pipeline.nodes[i].upstream) EXPECT_LT(producer, static_cast<int>(i)) << pipeline.nodes[i].id;
  EXPECT_EQ(pipeline.nodes[node(pipeline, "x_ab").inputs[0][0].producer].id, "enc_a");
}

TEST(Inert, NonZeroWeightsKeepEverything) {
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(kFused, registry, {"nodes.cyc_x_a.weight=10.0", "nodes.cyc_x_b.weight=10.0"});
  EXPECT_THAT(pipeline.left_out, IsEmpty());
  EXPECT_EQ(ids_of_list(pipeline, "step_gen", 0).size(), 10u);
}

TEST(Inert, OnlyTheTermsOfOneSideGoAndTheirDecodeWithThem) {
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(kFused, registry, {"nodes.cyc_x_a.weight=10.0"});
  EXPECT_THAT(pipeline.left_out, ElementsAre("x_bab", "cyc_x_b"));
}

TEST(Inert, ANodeOrderedAfterAnInertOneKeepsIt) {
  // An `after` edge is not a list entry that can be dropped: the inert node and its decode stay.
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(kFused, registry, {"nodes.cyc_x_b.weight=10.0", "nodes.save.after=cyc_x_a.done"});
  EXPECT_THAT(pipeline.left_out, IsEmpty());
}

TEST(Inert, AListKeepsItsLastEntry) {
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(kFused, registry, {"nodes.loss_dis_a.weight=0.0", "nodes.loss_dis_b.weight=0.0"});
  EXPECT_THAT(ids_of_list(pipeline, "step_dis", 0), ElementsAre("loss_dis_b"));
  EXPECT_TRUE(std::find(pipeline.left_out.begin(), pipeline.left_out.end(), "loss_dis_a") != pipeline.left_out.end());
}

}  // namespace
}  // namespace munit
