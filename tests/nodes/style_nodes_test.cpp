// The inference node families one at a time, outside a graph: style.prior's draw modes,
// style.interpolate, style.file, style.reference's pairing, augment.to_image, io.contact_sheet.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "../support/node_harness.h"
#include "../support/scratch_dir.h"
#include "munit/errors.h"
#include "munit/image.h"
#include "munit/tensor.h"
#include "nodes/style/bank.h"
#include "torchio/torch_file.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const at::Tensor& tensor(const Packet& p) { return p.as<TensorBatch>().data; }
Packet named(at::Tensor t, std::vector<std::string> names) { return Packet::of(TensorBatch{std::move(t), std::move(names)}); }

class StyleNodes : public ::testing::Test {
 protected:
  StyleNodes() : registry(Registry::with_builtins()) {
    const ResourceKind* kind = registry.resource("munit.generator");
    std::map<std::string, ParamValue> values{{"domain", std::string("b")}};
    for (const auto& spec : kind->schema.params)
      if (!values.count(spec.name) && spec.default_value) values[spec.name] = *spec.default_value;
    ResourceContext context{"g", Params(values), &resources, 1, "cpu"};
    kind->instantiate(context, resources);
  }

  NodeHarness node(const std::string& kind, std::map<std::string, ParamValue> params) {
    params.emplace("model", std::string("g"));
    return NodeHarness(registry, kind, std::move(params), 3, &resources);
  }

  Registry registry;
  Resources resources;
  ScratchDir scratch{"munit_style"};
  fs::path dir = scratch.path();
};

TEST_F(StyleNodes, PriorDrawsPerFramePerInputOrShared) {
  auto prior = [&](const std::string& draw) {
    return NodeHarness(registry, "style.prior", {{"per_input", std::int64_t{2}}, {"draw", draw}}, 5);
  };
  Packet ab = named(torch::zeros({2, 3, 4, 4}), {"dir/a.png", "dir/b.png"});
  Packet ba = named(torch::zeros({2, 3, 4, 4}), {"other/b.jpg", "other/a.jpg"});
  Packet a = named(torch::zeros({1, 3, 4, 4}), {"a.png"});

  auto by_input = prior("input");
  const at::Tensor first = tensor(by_input.process(0, {{"like", ab}})[0]);
  EXPECT_EQ(by_input.process(0, {{"like", ab}})[0].as<TensorBatch>().provenance,
            (std::vector<std::string>{"dir/a_random0", "dir/a_random1", "dir/b_random0", "dir/b_random1"}));
  // An input's styles follow its name, not its frame, batch or position.
  EXPECT_TRUE(torch::equal(tensor(by_input.process(9, {{"like", a}})[0]), first.slice(0, 0, 2)));
  EXPECT_TRUE(torch::equal(tensor(by_input.process(3, {{"like", ba}})[0]).slice(0, 2, 4), first.slice(0, 0, 2)));
  EXPECT_FALSE(torch::equal(first.slice(0, 0, 2), first.slice(0, 2, 4)));

  auto shared = prior("shared");
  const at::Tensor same = tensor(shared.process(4, {{"like", ab}})[0]);
  EXPECT_TRUE(torch::equal(same.slice(0, 0, 2), same.slice(0, 2, 4)));
  EXPECT_TRUE(torch::equal(tensor(shared.process(8, {{"like", a}})[0]), same.slice(0, 0, 2)));

  auto by_frame = prior("frame");
  EXPECT_FALSE(torch::equal(tensor(by_frame.process(0, {{"like", a}})[0]), tensor(by_frame.process(1, {{"like", a}})[0])));
}

TEST_F(StyleNodes, InterpolationStepsEvenlyBetweenItsEnds) {
  auto interpolate = node("style.interpolate", {{"from_seed", std::int64_t{1}}, {"to_seed", std::int64_t{2}},
                                                {"steps", std::int64_t{5}}});
  Packet like = named(torch::zeros({2, 3, 8, 8}), {"x.png", "y.png"});
  auto out = interpolate.process(0, {{"like", like}});
  const at::Tensor styles = tensor(out[0]);
  ASSERT_EQ(styles.sizes(), (std::vector<std::int64_t>{10, 8, 1, 1}));
  EXPECT_EQ(out[0].as<TensorBatch>().provenance[6], "y_interp1");
  at::Generator one = at::make_generator<at::CPUGeneratorImpl>(1), two = at::make_generator<at::CPUGeneratorImpl>(2);
  const at::Tensor from = torch::randn({8, 1, 1}, one), to = torch::randn({8, 1, 1}, two);
  EXPECT_TRUE(torch::allclose(styles[0], from));
  EXPECT_TRUE(torch::allclose(styles[4], to));
  EXPECT_TRUE(torch::allclose(styles[2], (from + to) / 2, 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(styles.slice(0, 0, 5), styles.slice(0, 5, 10)));
  try {
    node("style.interpolate", {{"from_seed", std::int64_t{1}}});
    ADD_FAILURE() << "an interpolation without its last style was accepted";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exactly one of to_image, to_seed and to_bank"));
  }
  // Spherically: the same ends, the norm going linearly between theirs.
  auto spherical = node("style.interpolate", {{"from_seed", std::int64_t{1}}, {"to_seed", std::int64_t{2}},
                                              {"steps", std::int64_t{5}}, {"mode", std::string("slerp")}});
  const at::Tensor arc = tensor(spherical.process(0, {{"like", like}})[0]);
  EXPECT_TRUE(torch::equal(arc[0], from));
  EXPECT_TRUE(torch::equal(arc[4], to));
  EXPECT_NEAR(arc[2].norm().item<double>(), (from.norm().item<double>() + to.norm().item<double>()) / 2, 1e-5);
  EXPECT_FALSE(torch::allclose(arc[2], styles[2], 1e-3, 1e-3));
}

// munit.encode_style gives munit.encode's style codes exactly, by itself (whole batch or in parts).
TEST_F(StyleNodes, StyleEncoderAloneGivesTheEncodersStyleCodes) {
  const Packet images = named(torch::rand({3, 3, 32, 32}) * 2 - 1, {"a.png", "b.png", "c.png"});
  const at::Tensor both = tensor(node("munit.encode", {}).process(0, {{"in", images}})[1]);
  const auto alone = node("munit.encode_style", {{"max_batch", std::int64_t{2}}}).process(0, {{"in", images}});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_TRUE(torch::equal(tensor(alone[0]), both));
  EXPECT_EQ(alone[0].as<TensorBatch>().provenance, (std::vector<std::string>{"a.png", "b.png", "c.png"}));
}

// io.style_bank names codes after their images, writes them when the run ends, and writes nothing
// when a signal stopped the run (a bank of some images would pass for the folder's).
TEST_F(StyleNodes, StyleBankIsWrittenWholeOrNotAtAll) {
  const std::string shoes = (dir / "shoes").string();
  const at::Tensor codes = torch::randn({2, 8, 1, 1});
  const Packet coded = named(codes, {shoes + "/boots/a.png", shoes + "/b.jpg"});
  auto writer = [&](const std::string& file) {
    return node("io.style_bank", {{"path", (dir / file).string()}, {"inputs", shoes}});
  };
  auto whole = writer("whole.pt");
  whole.process(0, {{"in", coded}});
  whole.node().close();
  const style::StyleBank bank = style::load_style_bank(dir / "whole.pt");
  EXPECT_EQ(bank.names, (std::vector<std::string>{"b", "boots/a"}));  // sorted: the same whatever the frame order
  EXPECT_TRUE(torch::equal(bank.codes, torch::stack({codes[1].flatten(), codes[0].flatten()})));
  EXPECT_EQ(bank.made_by.domain, "b");

  auto stopped = writer("stopped.pt");
  stopped.process(0, {{"in", coded}});
  stopped.interrupt();
  stopped.node().close();
  EXPECT_FALSE(fs::exists(dir / "stopped.pt"));

  auto clash = writer("clash.pt");
  EXPECT_THAT([&] { clash.process(0, {{"in", named(codes, {shoes + "/a.png", shoes + "/a.jpg"})}}); },
              ::testing::ThrowsMessage<UserError>(HasSubstr("would both be named 'a'")));
}

TEST_F(StyleNodes, StyleFilesInTorchOrTextFormat) {
  const at::Tensor codes = torch::arange(16, torch::kFloat).view({2, 8});
  save_torch_file(dir / "two.pt", py::Object::tensor(codes.view({2, 8, 1, 1})));
  std::ofstream(dir / "one.txt") << "# a comment\n\n0 1 2 3 4 5 6 7  # trailing\n";
  Packet like = named(torch::zeros({3, 3, 8, 8}), {"p.png", "q.png", "r.png"});
  auto two = node("style.file", {{"path", (dir / "two.pt").string()}}).process(0, {{"like", like}});
  ASSERT_EQ(tensor(two[0]).sizes(), (std::vector<std::int64_t>{6, 8, 1, 1}));
  EXPECT_TRUE(torch::equal(tensor(two[0])[3].flatten(), codes[1]));
  EXPECT_EQ(two[0].as<TensorBatch>().provenance[3], "q_two1");
  auto one = node("style.file", {{"path", (dir / "one.txt").string()}}).process(0, {{"like", like}});
  EXPECT_TRUE(torch::equal(tensor(one[0])[2].flatten(), codes[0]));
  EXPECT_EQ(one[0].as<TensorBatch>().provenance[2], "r_one");

  std::ofstream(dir / "ragged.txt") << "1 2 3 4 5 6 7 8\n1 2\n";
  std::ofstream(dir / "words.txt") << "1 2 three\n";
  for (const auto& [file, message] : std::vector<std::pair<std::string, std::string>>{
           {"ragged.txt", "ragged.txt:2: 2 numbers, the first line has 8"},
           {"words.txt", "words.txt:1: 'three' is not a number"},
           {"missing.txt", "does not exist"}}) {
    try {
      node("style.file", {{"path", (dir / file).string()}});
      ADD_FAILURE() << file << " was accepted";
    } catch (const UserError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  }
}

TEST_F(StyleNodes, ReferencesPairWithEveryInputOrByName) {
  for (const char* name : {"p.png", "q.png"}) {
    cv::Mat image(16, 16, CV_8UC3, cv::Scalar(name[0] == 'p' ? 10 : 200, 90, 40));
    cv::imwrite((dir / name).string(), image);
  }
  Packet like = named(torch::zeros({2, 3, 8, 8}), {"in/q.jpg", "in/p.jpg"});
  auto all = node("style.reference", {{"path", dir.string()}}).process(0, {{"like", like}});
  EXPECT_EQ(all[0].as<TensorBatch>().provenance, (std::vector<std::string>{"in/q_p", "in/q_q", "in/p_p", "in/p_q"}));
  auto named_pair = node("style.reference", {{"path", dir.string()}, {"pair", std::string("name")}});
  auto paired = named_pair.process(0, {{"like", like}});
  EXPECT_EQ(paired[0].as<TensorBatch>().provenance, (std::vector<std::string>{"in/q_ref", "in/p_ref"}));
  EXPECT_TRUE(torch::equal(tensor(paired[0])[0], tensor(all[0])[1]));  // q's reference is q.png
  EXPECT_FALSE(torch::equal(tensor(paired[0])[0], tensor(paired[0])[1]));
  Packet stranger = named(torch::zeros({1, 3, 8, 8}), {"in/z.png"});
  EXPECT_THROW(named_pair.process(0, {{"like", stranger}}), UserError);
}

TEST_F(StyleNodes, ToImageRoundsAndClamps) {
  NodeHarness to_image(registry, "augment.to_image");
  at::Tensor x = torch::tensor({-2.0f, -1.0f, 0.0f, 1.0f, 3.0f, 0.5f}).view({1, 1, 2, 3});
  auto out = to_image.process(0, {{"in", named(x, {"f.png"})}});
  const ImageBatch& images = out[0].as<ImageBatch>();
  ASSERT_EQ(images.images.size(), 1u);
  EXPECT_EQ(images.images[0].channels, 1);
  // (x + 1) / 2 * 255 = -127.5, 0, 127.5, 255, 510, 191.25 → clamp and round half to even
  EXPECT_EQ(images.images[0].pixels, (std::vector<std::uint8_t>{0, 0, 128, 255, 255, 191}));
  EXPECT_EQ(images.provenance, std::vector<std::string>{"f.png"});
}

TEST_F(StyleNodes, ContactSheetPutsInputsDownAndStylesAcross) {
  NodeHarness sheet(registry, "io.contact_sheet", {{"dir", (dir / "sheets").string()}});
  at::Tensor inputs = torch::full({2, 1, 4, 6}, -1.0f);              // black, gray
  at::Tensor outputs = torch::full({6, 3, 4, 6}, 1.0f);              // white, RGB
  outputs[4].fill_(0.0f);
  sheet.process(3, {{"inputs", named(inputs, {"a", "b"})}, {"outputs", named(outputs, {})}});
  cv::Mat grid = cv::imread((dir / "sheets" / "sheet_000003.png").string(), cv::IMREAD_COLOR);
  ASSERT_EQ(grid.rows, 2 * 4);
  ASSERT_EQ(grid.cols, 4 * 6);
  EXPECT_EQ(grid.at<cv::Vec3b>(1, 1), cv::Vec3b(0, 0, 0));          // input a
  EXPECT_EQ(grid.at<cv::Vec3b>(1, 7), cv::Vec3b(255, 255, 255));    // a under style 0
  EXPECT_EQ(grid.at<cv::Vec3b>(5, 13), cv::Vec3b(128, 128, 128));   // b under style 1 (outputs[4])
  EXPECT_THROW(sheet.process(3, {{"inputs", named(inputs, {"a", "b"})}, {"outputs", named(outputs, {})}}), UserError);
}

}  // namespace
}  // namespace munit::testing
