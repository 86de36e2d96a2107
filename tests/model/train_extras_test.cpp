// Training nodes beyond the core objective: loss.vgg (with the official Vgg16), munit.discriminate
// and io.sample_sheet.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "../support/node_harness.h"
#include "../support/validated_params.h"
#include "munit/errors.h"
#include "munit/tensor.h"
#include "torchio/torch_file.h"
#include "nodes/munit/models.h"
#include "nodes/munit/state_dict.h"
#include "nodes/munit/vgg.h"

namespace munit::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Packet batch(at::Tensor t) {
  std::vector<std::string> names(t.size(0), "x");
  return Packet::of(TensorBatch{std::move(t), std::move(names)});
}

class TrainExtras : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("munit_extras_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    torch::manual_seed(0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void add_resource(const std::string& kind, const std::string& name, std::map<std::string, ParamValue> values) {
    const ResourceKind* resource = registry_.resource(kind);
    ResourceContext context{name, testing::validated_params(registry_, kind, values), &resources_, 1, "cpu"};
    resource->instantiate(context, resources_);
  }
  // The small bench networks (RGB, 32x32 works).
  void add_small(const std::string& kind, const std::string& name, const std::string& domain) {
    add_resource(kind, name, {{"domain", domain}, {"config", std::string(MUNIT_SOURCE_DIR) + "/configs/bench_small.yaml"}});
  }
  // VGG16 weights in the official layout, random but fixed.
  std::string vgg_file() {
    model::Vgg16 vgg;
    const std::string path = (dir_ / "vgg16.weight").string();
    save_torch_file(path, model::state_dict_object(*vgg));
    return path;
  }

  Registry registry_ = Registry::with_builtins();
  Resources resources_;
  fs::path dir_;
};

TEST_F(TrainExtras, VggLossIsZeroForEqualImagesAndDifferentiable) {
  NodeHarness vgg(registry_, "loss.vgg", {{"weights", vgg_file()}, {"weight", 2.0}});
  torch::Tensor x = torch::rand({2, 3, 32, 32}) * 2 - 1;
  torch::Tensor y = torch::rand({2, 3, 32, 32}) * 2 - 1;
  auto same = vgg.process(0, {{"input", batch(x)}, {"target", batch(x)}});
  EXPECT_NEAR(same[0].as<Scalar>().value.item<double>(), 0.0, 1e-6);

  torch::Tensor input = x.clone().requires_grad_(true);
  auto differ = vgg.process(0, {{"input", batch(input)}, {"target", batch(y)}});
  const double raw = differ[1].as<Scalar>().value.item<double>();
  EXPECT_GT(raw, 1e-5) << "random VGG weights: small but not zero";
  EXPECT_NEAR(differ[0].as<Scalar>().value.item<double>(), 2 * raw, 1e-5) << "out = weight · raw";
  differ[0].as<Scalar>().value.backward();
  ASSERT_TRUE(input.grad().defined());
  EXPECT_GT(input.grad().abs().sum().item<double>(), 0) << "the gradient reaches the translation";
}

TEST_F(TrainExtras, VggLossMatchesTheOfficialFormulaAndReadsTorchvisionLayout) {
  const std::string official = vgg_file();
  // The same weights under torchvision's names: features.<layer index>.
  const int layers[] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
  py::Object state = load_torch_file(official);
  py::Entries renamed;
  for (std::size_t i = 0; i < state.entries().size(); ++i) {
    const std::string key = state.entries()[i].first.as_string();
    const std::string suffix = key.substr(key.find('.'));
    renamed.emplace_back(py::Object::string("features." + std::to_string(layers[i / 2]) + suffix), state.entries()[i].second);
  }
  const std::string torchvision = (dir_ / "vgg16.pth").string();
  save_torch_file(torchvision, py::Object::dict(std::move(renamed), true));

  torch::Tensor x = torch::rand({1, 3, 32, 32}) * 2 - 1, y = torch::rand({1, 3, 32, 32}) * 2 - 1;
  auto loss_with = [&](const std::string& file) {
    NodeHarness vgg(registry_, "loss.vgg", {{"weights", file}});
    return vgg.process(0, {{"input", batch(x)}, {"target", batch(y)}})[1].as<Scalar>().value.item<double>();
  };
  // By hand, as the official compute_vgg_loss: RGB→BGR, (x+1)·127.5 minus Caffe means, relu5_3,
  // InstanceNorm2d(512) without affine, mean squared difference.
  auto vgg = model::load_vgg16(official, "cpu");
  auto features = [&](const torch::Tensor& image) {
    torch::Tensor bgr = image.flip(1);
    bgr = (bgr + 1) * 127.5 - torch::tensor({103.939, 116.779, 123.680}).view({1, 3, 1, 1});
    torch::Tensor f = (*vgg)->forward(bgr);
    auto mean = f.mean({2, 3}, true), var = f.var({2, 3}, false, true);
    return (f - mean) / torch::sqrt(var + 1e-5);
  };
  const double by_hand = torch::mean((features(x) - features(y)).pow(2)).item<double>();
  EXPECT_NEAR(loss_with(official), by_hand, 1e-5 * by_hand);
  EXPECT_DOUBLE_EQ(loss_with(torchvision), loss_with(official));
}

TEST_F(TrainExtras, VggLossSaysWhichFileItNeeds) {
  try {
    NodeHarness vgg(registry_, "loss.vgg", {{"weights", (dir_ / "models/vgg16.weight").string()}});
    FAIL() << "a missing weights file must be refused";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not found"));
    EXPECT_THAT(e.what(), HasSubstr("vgg16.weight"));
    EXPECT_THAT(e.what(), HasSubstr("torchvision"));
  }
}

TEST_F(TrainExtras, DiscriminateConcatenatesEveryScalesScores) {
  add_small("munit.discriminator", "dis", "b");
  NodeHarness node(registry_, "munit.discriminate", {{"model", std::string("dis")}}, 1, &resources_);
  torch::Tensor images = torch::rand({3, 3, 32, 32}) * 2 - 1;
  auto outputs = node.process(0, {{"in", batch(images)}});
  const torch::Tensor& scores = outputs[0].as<TensorBatch>().data;
  auto maps = resources_.get<model::DiscriminatorModel>("dis")->net->forward(images);
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(scores.sizes(), (std::vector<std::int64_t>{3, maps[0][0].numel() + maps[1][0].numel()}));
  EXPECT_TRUE(torch::allclose(scores.narrow(1, 0, maps[0][0].numel()), maps[0].flatten(1)));
}

TEST_F(TrainExtras, SampleSheetWritesTheOfficialGridAndKeepsItsFixedStyles) {
  add_small("munit.generator", "gen_a", "a");
  add_small("munit.generator", "gen_b", "b");
  auto sheet = [&](std::int64_t every) {
    return std::make_unique<NodeHarness>(
        registry_, "io.sample_sheet",
        std::map<std::string, ParamValue>{{"gen_a", std::string("gen_a")}, {"gen_b", std::string("gen_b")},
                                          {"dir", dir_.string()}, {"every", every}, {"display", std::int64_t{3}},
                                          {"random_styles", std::int64_t{2}}, {"reference_styles", std::int64_t{2}},
                                          {"format", std::string("png")}},
        9, &resources_);
  };
  auto node = sheet(1);
  Packet signal = Packet::of(Signal{});
  // Pixels at -1 and 1 pin the grid's min-max normalization, so equal rows compare equal.
  auto images = [] {
    torch::Tensor x = torch::rand({2, 3, 32, 32}) * 2 - 1;
    x[0][0][0][0] = -1;
    x[0][0][0][1] = 1;
    return x;
  };
  for (FrameId f = 0; f < 4; ++f)  // 2 images per frame: the display set is the first 3 (2 at first)
    node->process(f, {{"a", batch(images())}, {"b", batch(images())}, {"when", signal}});
  for (const char* name : {"gen_a2b_train_00000002.png", "gen_b2a_train_00000002.png", "gen_a2b_train_00000004.png"}) {
    cv::Mat grid = cv::imread((dir_ / name).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(grid.empty()) << name;
    EXPECT_EQ(grid.cols, 3 * 32) << "one column per display image";
    EXPECT_EQ(grid.rows, (2 + 2 + 1 + 2) * 32) << "input, recon, 2 fixed, 1 fresh, 2 reference rows";
  }
  EXPECT_EQ(cv::imread((dir_ / "gen_a2b_train_00000001.png").string()).cols, 2 * 32)
      << "the first sheet had only the first frame's 2 images";
  cv::Mat first = cv::imread((dir_ / "gen_a2b_train_00000002.png").string());
  cv::Mat second = cv::imread((dir_ / "gen_a2b_train_00000004.png").string());
  auto rows = [](const cv::Mat& grid, int from, int count) { return grid.rowRange(from * 32, (from + count) * 32); };
  EXPECT_EQ(cv::norm(rows(first, 0, 4), rows(second, 0, 4), cv::NORM_INF), 0)
      << "same display images, same networks, same fixed styles: same rows";
  EXPECT_GT(cv::norm(rows(first, 4, 1), rows(second, 4, 1), cv::NORM_INF), 0) << "fresh styles differ per sheet";
}

}  // namespace
}  // namespace munit::testing
