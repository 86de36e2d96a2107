// The training node families one at a time, outside a graph: style.prior, munit.encode/decode,
// loss.*, optim.step (and its fp16 gradient scaler), augment.to_tensor, io.metrics. The *_CUDA
// tests run the same nodes on a GPU and skip themselves elsewhere.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "../support/cuda.h"
#include "../support/node_harness.h"
#include "munit/image.h"
#include "munit/tensor.h"
#include "nodes/munit/models.h"
#include "nodes/optim/adam_optimizer.h"
#include "nodes/optim/grad_scaler.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

const at::Tensor& tensor(const Packet& p) { return p.as<TensorBatch>().data; }
double value(const Packet& p) { return p.as<Scalar>().value.item<double>(); }
Packet batch(at::Tensor t) {
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < t.size(0); ++i) names.push_back("s" + std::to_string(i));
  return Packet::of(TensorBatch{std::move(t), names});
}
Packet scalar_packet(at::Tensor t) { return Packet::of(Scalar{std::move(t)}); }

class TrainNodes : public ::testing::Test {
 protected:
  TrainNodes() : registry(Registry::with_builtins()) {}

  // A small generator "g" and an Adam "opt" over it, as a pipeline would declare them.
  void add_models(const std::string& device = "cpu") {
    std::map<std::string, ParamValue> gen{{"domain", std::string("a")}};
    add_resource("munit.generator", "g", gen, device);
    std::map<std::string, ParamValue> opt{{"models", StringList{"g"}}, {"lr", 0.01}};
    add_resource("optim.adam", "opt", opt, device);
  }
  void add_resource(const std::string& kind, const std::string& name, std::map<std::string, ParamValue> values,
                    const std::string& device = "cpu") {
    const ResourceKind* resource = registry.resource(kind);
    for (const auto& spec : resource->schema.params)
      if (!values.count(spec.name) && spec.default_value) values[spec.name] = *spec.default_value;
    ResourceContext context{name, Params(values), &resources, 1, device};
    resource->instantiate(context, resources);
  }

  Registry registry;
  Resources resources;
};

TEST_F(TrainNodes, StylePriorDependsOnlyOnSeedAndFrame) {
  NodeHarness prior(registry, "style.prior", {{"style_dim", std::int64_t{8}}, {"per_input", std::int64_t{3}}}, 7);
  NodeHarness same(registry, "style.prior", {{"style_dim", std::int64_t{8}}, {"per_input", std::int64_t{3}}}, 7);
  Packet like = batch(torch::zeros({2, 3, 4, 4}));
  at::Tensor f0 = tensor(prior.process(0, {{"like", like}})[0]);
  EXPECT_EQ(f0.sizes(), (std::vector<std::int64_t>{6, 8, 1, 1}));
  EXPECT_TRUE(torch::equal(f0, tensor(same.process(0, {{"like", like}})[0])));
  EXPECT_FALSE(torch::equal(f0, tensor(prior.process(1, {{"like", like}})[0])));
  EXPECT_EQ(prior.process(0, {{"like", like}})[0].as<TensorBatch>().provenance[4], "s1_random1");
  torch::Tensor many = tensor(prior.process(5, {{"like", batch(torch::zeros({2000, 1, 1, 1}))}})[0]);
  EXPECT_NEAR(many.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(many.std().item<double>(), 1.0, 0.02);
}

TEST_F(TrainNodes, DecodeRepeatsEachContentForItsStyles) {
  add_models();
  NodeHarness encode(registry, "munit.encode", {{"model", std::string("g")}}, 1, &resources);
  NodeHarness decode(registry, "munit.decode", {{"model", std::string("g")}}, 1, &resources);
  torch::manual_seed(0);
  auto codes = encode.process(0, {{"in", batch(torch::rand({2, 3, 32, 32}) * 2 - 1)}});
  ASSERT_EQ(codes.size(), 2u);  // content, style
  Packet styles = batch(torch::randn({6, 8, 1, 1}));
  at::Tensor out = tensor(decode.process(0, {{"content", codes[0]}, {"style", styles}})[0]);
  EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{6, 3, 32, 32}));
  // Output 4 is content 1 under style 4.
  auto model = resources.get<model::GeneratorModel>("g");
  torch::NoGradGuard no_grad;
  at::Tensor expected = model->net->decode(tensor(codes[0]).slice(0, 1, 2), tensor(styles).slice(0, 4, 5));
  EXPECT_TRUE(torch::allclose(out.slice(0, 4, 5), expected, 1e-5, 1e-6));
  EXPECT_THROW(decode.process(0, {{"content", codes[0]}, {"style", batch(torch::randn({3, 8, 1, 1}))}}),
               std::invalid_argument);
}

TEST_F(TrainNodes, LossesAreWeightedAndKeepTheRawValue) {
  NodeHarness l1(registry, "loss.l1", {{"weight", 10.0}});
  auto out = l1.process(0, {{"input", batch(torch::full({2, 1, 2, 2}, 0.5))}, {"target", batch(torch::zeros({2, 1, 2, 2}))}});
  EXPECT_DOUBLE_EQ(value(out[0]), 5.0);
  EXPECT_DOUBLE_EQ(value(out[1]), 0.5);
  EXPECT_THROW(l1.process(0, {{"input", batch(torch::zeros({2, 1, 2, 2}))}, {"target", batch(torch::zeros({1, 1, 2, 2}))}}),
               std::invalid_argument);
}

TEST_F(TrainNodes, OptimizerStepSumsInOrderStepsAndRefusesNonFiniteLosses) {
  add_models();
  NodeHarness step(registry, "optim.step", {{"optimizer", std::string("opt")}}, 1, &resources);
  auto model = resources.get<model::GeneratorModel>("g");
  torch::Tensor weight = model->net->mlp->named_parameters()["model.0.fc.weight"];
  torch::Tensor before = weight.detach().clone();

  torch::Tensor nan = weight.sum() * std::numeric_limits<double>::quiet_NaN();
  try {
    step.process(4, {{"loss", scalar_packet(weight.sum())}, {"loss", scalar_packet(nan)}});
    FAIL() << "a NaN loss was stepped";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the loss of optimizer 'opt' is nan at iteration 5"));
  }
  EXPECT_TRUE(torch::equal(weight, before)) << "parameters changed on a NaN loss";

  auto out = step.process(0, {{"loss", scalar_packet(weight.sum())}, {"loss", scalar_packet(2 * weight.sum())}});
  EXPECT_NEAR(value(out[0]), 3 * before.sum().item<double>(), 1e-4);
  EXPECT_DOUBLE_EQ(value(out[1]), 0.01);
  // The first Adam step moves each weight by about lr against its gradient (+3 everywhere).
  EXPECT_NEAR((before - weight).mean().item<double>(), 0.01, 2e-4);
}

// On a GPU the step cannot read the loss each iteration without stalling: it records non-finite
// losses on the device and reads the record every check_every iterations.
TEST_F(TrainNodes, OptimizerStepOnAGpuReadsTheLossEveryCheckEvery_CUDA) {
  MUNIT_REQUIRE_CUDA();
  add_models("cuda:0");
  NodeHarness step(registry, "optim.step", {{"optimizer", std::string("opt")}, {"check_every", std::int64_t{4}}}, 1,
                   &resources, false, {"cuda:0"});
  torch::Tensor weight = resources.get<model::GeneratorModel>("g")->net->mlp->named_parameters()["model.0.fc.weight"];
  EXPECT_TRUE(weight.is_cuda());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  step.process(0, {{"loss", scalar_packet(weight.sum())}});
  step.process(1, {{"loss", scalar_packet(weight.sum() * nan)}});
  step.process(2, {{"loss", scalar_packet(weight.sum())}});
  try {
    step.process(3, {{"loss", scalar_packet(weight.sum())}});
    FAIL() << "the NaN loss of iteration 2 was not reported at iteration 4";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the loss of optimizer 'opt' became inf or NaN between iterations 1 and 4"));
  }
  // A run that ends between two reads is checked when the node closes.
  step.process(4, {{"loss", scalar_packet(weight.sum() * nan)}});
  step.process(5, {{"loss", scalar_packet(weight.sum())}});
  try {
    step.node().close();
    FAIL() << "the NaN loss of iteration 5 was not reported when the node closed";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("between iterations 5 and 6"));
  }
}

// torch.cuda.amp.GradScaler's rules, on the CPU's portable path and on CUDA's fused kernels.
class GradScalerOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda") MUNIT_REQUIRE_CUDA();
  }
  torch::Device device() const { return torch::Device(GetParam()); }
};

TEST_P(GradScalerOn, ScalesUnscalesSkipsOverflowsAndAdaptsTheScale) {
  optim::GradScaler scaler(device(), {/*init_scale=*/1024, /*growth_factor=*/2, /*backoff_factor=*/0.5,
                                      /*growth_interval=*/3});
  torch::Tensor w = torch::full({4}, 2.0, torch::TensorOptions().device(device()).requires_grad(true));
  torch::Tensor unused = torch::zeros({2}, torch::TensorOptions().device(device()).requires_grad(true));
  torch::Tensor loss = (w * w).sum();
  torch::Tensor scaled = scaler.scale(loss);
  EXPECT_DOUBLE_EQ(scaled.item<double>(), 1024 * 16.0);
  scaled.backward();
  EXPECT_DOUBLE_EQ(w.grad()[0].item<double>(), 1024 * 4.0);
  torch::Tensor found = scaler.unscale({w, unused});  // a parameter without a gradient is left alone
  EXPECT_EQ(found.item<float>(), 0.0f);
  EXPECT_FALSE(unused.grad().defined());
  EXPECT_TRUE(torch::allclose(w.grad().cpu(), torch::full({4}, 4.0)));

  for (int clean = 1; clean <= 3; ++clean) {
    scaler.update(found);
    EXPECT_DOUBLE_EQ(scaler.current_scale(), clean < 3 ? 1024 : 2048) << "after " << clean << " clean steps";
  }
  w.mutable_grad().fill_(std::numeric_limits<float>::infinity());
  found = scaler.unscale({w});
  EXPECT_EQ(found.item<float>(), 1.0f);
  scaler.update(found);
  EXPECT_DOUBLE_EQ(scaler.current_scale(), 1024);
  w.mutable_grad().fill_(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(scaler.unscale({w}).item<float>(), 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Devices, GradScalerOn, ::testing::Values("cpu", "cuda"),
                         [](const auto& info) { return info.param; });

// fp16 autocast with the scaler: a clean step updates the parameters, an overflowing one is skipped.
TEST_F(TrainNodes, Fp16StepScalesTheLossAndSkipsOverflows_CUDA) {
  MUNIT_REQUIRE_CUDA();
  add_models("cuda:0");
  NodeHarness step(registry, "optim.step", {{"optimizer", std::string("opt")}}, 1, &resources, false,
                   {"cuda:0", "fp16"});
  torch::Tensor weight = resources.get<model::GeneratorModel>("g")->net->mlp->named_parameters()["model.0.fc.weight"];
  torch::Tensor before = weight.detach().clone();
  auto out = step.process(0, {{"loss", scalar_packet(weight.sum())}});
  EXPECT_NEAR(value(out[0]), before.sum().item<double>(), 1e-3) << "the reported total is the unscaled loss";
  EXPECT_NEAR((before - weight).mean().item<double>(), 0.01, 2e-4);
  torch::Tensor after_clean = weight.detach().clone();
  // 1e35 * 65536 overflows float32: the gradients are inf, the step is skipped.
  step.process(1, {{"loss", scalar_packet(weight.sum() * 1e35)}});
  EXPECT_TRUE(torch::equal(weight, after_clean)) << "an overflowed fp16 step changed the parameters";
}

TEST_F(TrainNodes, ToTensorLaysTheBatchOutChannelsLastWhenAsked) {
  NodeHarness nchw(registry, "augment.to_tensor");
  NodeHarness nhwc(registry, "augment.to_tensor", {}, 1, nullptr, false, {"cpu", "fp32", true});
  Image image{2, 3, 3, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}};
  Packet in = Packet::of(ImageBatch{{image, image}, {"x", "y"}});
  at::Tensor a = tensor(nchw.process(0, {{"in", in}})[0]), b = tensor(nhwc.process(0, {{"in", in}})[0]);
  EXPECT_TRUE(a.is_contiguous());
  EXPECT_TRUE(b.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_FALSE(b.is_contiguous());
  EXPECT_TRUE(torch::equal(a, b));
}

TEST_F(TrainNodes, ToTensorSendsTheBatchToTheGpu_CUDA) {
  MUNIT_REQUIRE_CUDA();
  NodeHarness cpu(registry, "augment.to_tensor");
  NodeHarness gpu(registry, "augment.to_tensor", {}, 1, nullptr, false, {"cuda:0", "fp32", true});
  Image image{2, 3, 3, std::vector<std::uint8_t>(18, 77)};
  Packet in = Packet::of(ImageBatch{{image}, {"x"}});
  at::Tensor a = tensor(cpu.process(0, {{"in", in}})[0]), b = tensor(gpu.process(0, {{"in", in}})[0]);
  EXPECT_TRUE(b.is_cuda());
  EXPECT_TRUE(b.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_TRUE(torch::equal(a, b.cpu()));
}

TEST_F(TrainNodes, ToTensorMapsBytesToMinusOneToOne) {
  NodeHarness to_tensor(registry, "augment.to_tensor");
  Image image{1, 2, 3, {0, 127, 255, 255, 0, 51}};  // height 1, width 2, RGB
  auto out = to_tensor.process(0, {{"in", Packet::of(ImageBatch{{image}, {"x"}})}});
  at::Tensor t = tensor(out[0]);
  EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{1, 3, 1, 2}));
  EXPECT_FLOAT_EQ(t[0][0][0][0].item<float>(), -1.0f);
  EXPECT_NEAR(t[0][1][0][0].item<float>(), 127 / 127.5 - 1, 1e-6);
  EXPECT_FLOAT_EQ(t[0][2][0][0].item<float>(), 1.0f);
  EXPECT_NEAR(t[0][2][0][1].item<float>(), 51 / 127.5 - 1, 1e-6);
  Image other{2, 2, 3, std::vector<std::uint8_t>(12, 0)};
  EXPECT_THROW(to_tensor.process(0, {{"in", Packet::of(ImageBatch{{image, other}, {"x", "y"}})}}), UserError);
}

TEST_F(TrainNodes, MetricsLogWritesAJsonLineEveryNIterations) {
  const auto path = std::filesystem::temp_directory_path() / ("munit_metrics_" + std::to_string(::getpid()) + ".jsonl");
  {
    NodeHarness log(registry, "io.metrics", {{"path", path.string()}, {"every", std::int64_t{2}}});
    for (FrameId f = 0; f < 5; ++f)
      log.process(f, {{"values", scalar_packet(torch::scalar_tensor(1.5 * f))}, {"values", scalar_packet(torch::scalar_tensor(2.0))}});
  }
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  std::filesystem::remove(path);
  ASSERT_EQ(lines.size(), 2u);  // iterations 2 and 4
  EXPECT_EQ(lines[0]["iteration"], 2);
  EXPECT_DOUBLE_EQ(lines[1]["value0"].get<double>(), 4.5);  // outside a graph the values have no source names
  EXPECT_DOUBLE_EQ(lines[1]["value1"].get<double>(), 2.0);
  EXPECT_GT(lines[1]["iterations_per_second"].get<double>(), 0);
}

}  // namespace
}  // namespace munit::testing
