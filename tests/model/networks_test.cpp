// The networks' structure: official parameter counts and names, every config option, the
// official weight init, Adam's arithmetic and the learning-rate policies.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../support/cuda.h"
#include "../support/fixtures.h"
#include "munit/errors.h"
#include "torchio/torch_file.h"
#include "nodes/optim/adam.h"
#include "nodes/munit/channels_last.h"
#include "nodes/munit/checkpoint.h"
#include "nodes/munit/config.h"
#include "nodes/munit/init.h"
#include "nodes/optim/lr_policy.h"
#include "nodes/munit/state_dict.h"

namespace munit::model {

using optim::Adam;
using optim::AdamOptions;
using optim::learning_rate;
namespace {

// configs/edges2shoes_folder.yaml of the official repository.
GeneratorConfig edges2shoes_gen() {
  GeneratorConfig c;
  c.dim = 64, c.mlp_dim = 256, c.style_dim = 8, c.n_downsample = 2, c.n_res = 4, c.activ = "relu";
  c.pad_type = "reflect", c.input_dim = 3;
  return c;
}
DiscriminatorConfig edges2shoes_dis() {
  DiscriminatorConfig c;
  c.dim = 64, c.norm = "none", c.activ = "lrelu", c.n_layer = 4, c.gan_type = "lsgan", c.num_scales = 3;
  c.pad_type = "reflect", c.input_dim = 3;
  return c;
}

// No fixture has this config: the counts are those of the official networks.py (sha256 bf8bf5de...,
// as in tests/fixtures/official-small), sum(p.numel() for p in m.parameters()) for AdaINGen(3, gen)
// and its enc_style, enc_content, dec and mlp, get_num_adain_params(dec), MsImageDis(3, dis) and
// each of its cnns, with gen and dis from configs/edges2shoes_folder.yaml.
TEST(Networks, ParameterCountsEqualTheOfficialOnesForEdges2shoes) {
  Generator gen(edges2shoes_gen());
  EXPECT_EQ(parameter_count(*gen), 15026187);
  EXPECT_EQ(parameter_count(*gen->enc_style), 2764936);
  EXPECT_EQ(parameter_count(*gen->enc_content), 5385856);
  EXPECT_EQ(parameter_count(*gen->dec), 5754627);
  EXPECT_EQ(parameter_count(*gen->mlp), 1120768);
  EXPECT_EQ(gen->num_adain_params(), 4096);
  EXPECT_EQ(gen->adain_params(torch::randn({2, 8, 1, 1})).size(1), 4096);

  Discriminator dis(edges2shoes_dis());
  EXPECT_EQ(parameter_count(*dis), 8271171);
  auto scales = dis->named_children().begin()->value()->children();
  ASSERT_EQ(scales.size(), 3u);
  for (const auto& scale : scales) EXPECT_EQ(parameter_count(*scale), 2757057);
}

// Elements of the official parameters whose names start with `prefix` (a state dict holds
// AdaIN's unused running statistics too).
std::int64_t official_parameters(const py::Entries& state_dict, const std::string& prefix) {
  std::int64_t elements = 0;
  for (const auto& [name, value] : state_dict) {
    const std::string key = name.as_string();
    if (key.rfind(prefix, 0) == 0 && key.find(".running_") == std::string::npos) elements += value.as_tensor().numel();
  }
  return elements;
}

TEST(Networks, ParameterCountsEqualTheFixturesPerModule) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  MunitConfig config = load_config(dir / "config.yaml");
  Generator gen(config.gen_a);
  py::Object gen_file = load_torch_file(dir / "gen.pt");
  const py::Entries& official_gen = gen_file.at("a").entries();
  EXPECT_EQ(parameter_count(*gen), official_parameters(official_gen, ""));
  EXPECT_EQ(parameter_count(*gen->enc_style), official_parameters(official_gen, "enc_style."));
  EXPECT_EQ(parameter_count(*gen->enc_content), official_parameters(official_gen, "enc_content."));
  EXPECT_EQ(parameter_count(*gen->dec), official_parameters(official_gen, "dec."));
  EXPECT_EQ(parameter_count(*gen->mlp), official_parameters(official_gen, "mlp."));
  EXPECT_EQ(gen->num_adain_params(), official_parameters(official_gen, "mlp.model.2.fc.bias")) << "the MLP's outputs";

  Discriminator dis(config.dis_a);
  py::Object dis_file = load_torch_file(dir / "dis.pt");
  const py::Entries& official_dis = dis_file.at("a").entries();
  EXPECT_EQ(parameter_count(*dis), official_parameters(official_dis, ""));
  auto scales = dis->named_children().begin()->value()->children();
  ASSERT_EQ(scales.size(), 2u);
  for (std::size_t k = 0; k < scales.size(); ++k)
    EXPECT_EQ(parameter_count(*scales[k]), official_parameters(official_dis, "cnns." + std::to_string(k) + "."));
}

TEST(Networks, StateDictsMatchTheOfficialFixtureKeyForKeyInOrder) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  MunitConfig config = load_config(dir / "config.yaml");
  std::pair<const char*, std::shared_ptr<torch::nn::Module>> cases[] = {
      {"gen.pt", Generator(config.gen_a).ptr()}, {"dis.pt", Discriminator(config.dis_a).ptr()}};
  for (auto& [file, module] : cases) {
    py::Object official = load_torch_file(dir / file);
    const py::Entries& expected = official.at("a").entries();
    NamedTensors ours = state_dict(*module);
    ASSERT_EQ(ours.size(), expected.size()) << file;
    std::int64_t ours_elements = 0, official_elements = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(ours[i].first, expected[i].first.as_string()) << file << " entry " << i;
      EXPECT_TRUE(ours[i].second.sizes().equals(expected[i].second.as_tensor().sizes())) << ours[i].first;
      ours_elements += ours[i].second.numel();
      official_elements += expected[i].second.as_tensor().numel();
    }
    EXPECT_EQ(ours_elements, official_elements) << file;
  }
}

TEST(Networks, EveryActivationPaddingAndNormRunsWithOneOrThreeChannels) {
  for (const std::string activ : {"relu", "lrelu", "prelu", "selu", "tanh", "none"}) {
    for (const std::string pad : {"reflect", "replicate", "zero"}) {
      GeneratorConfig g;
      g.dim = 4, g.mlp_dim = 8, g.style_dim = 3, g.n_downsample = 1, g.n_res = 1, g.activ = activ, g.pad_type = pad;
      g.input_dim = 1;
      Generator gen(g);
      torch::Tensor x = torch::rand({2, 1, 16, 16}) * 2 - 1;
      Codes codes = gen->encode(x);
      EXPECT_EQ(codes.content.sizes(), (std::vector<std::int64_t>{2, 8, 8, 8}));
      EXPECT_EQ(codes.style.sizes(), (std::vector<std::int64_t>{2, 3, 1, 1}));
      torch::Tensor y = gen->decode(codes.content, codes.style);
      EXPECT_EQ(y.sizes(), x.sizes());
      EXPECT_LE(y.abs().max().item<float>(), 1.0f);  // tanh output
      bool has_prelu = false;
      for (const auto& [name, t] : state_dict(*gen)) has_prelu |= name.find("activation.weight") != std::string::npos;
      EXPECT_EQ(has_prelu, activ == "prelu");
    }
  }
  for (const std::string norm : {"none", "bn", "in", "ln"}) {
    for (const std::string gan : {"lsgan", "nsgan"}) {
      DiscriminatorConfig d;
      d.dim = 4, d.n_layer = 2, d.num_scales = 2, d.norm = norm, d.gan_type = gan, d.input_dim = 3;
      Discriminator dis(d);
      torch::Tensor fake = torch::rand({2, 3, 16, 16}), real = torch::rand({2, 3, 16, 16});
      auto outputs = dis->forward(real);
      ASSERT_EQ(outputs.size(), 2u);
      EXPECT_EQ(outputs[0].sizes(), (std::vector<std::int64_t>{2, 1, 4, 4}));
      EXPECT_EQ(outputs[1].sizes(), (std::vector<std::int64_t>{2, 1, 2, 2}));
      EXPECT_TRUE(std::isfinite(dis->dis_loss(fake, real).item<double>()));
      EXPECT_TRUE(std::isfinite(dis->gen_loss(fake).item<double>()));
      bool has_running_mean = false, has_gamma = false;
      for (const auto& [name, t] : state_dict(*dis)) {
        has_running_mean |= name == "cnns.0.1.norm.running_mean";
        has_gamma |= name == "cnns.0.1.norm.gamma";
      }
      EXPECT_EQ(has_running_mean, norm == "bn");
      EXPECT_EQ(has_gamma, norm == "ln");
    }
  }
}

// The sub-pixel upsampling path gives the official path's images up to float rounding: every
// padding, odd and even sizes, the smallest image reflect padding takes, batches of one
// (LayerNorm's own branch) and more; and with autograd the official path's gradients, for the
// codes and for every parameter.
TEST(Networks, SubpixelUpsamplingEqualsTheOfficialDecoder) {
  for (const std::string pad : {"reflect", "replicate", "zero"}) {
    GeneratorConfig g;
    g.dim = 8, g.mlp_dim = 16, g.style_dim = 4, g.n_downsample = 2, g.n_res = 1, g.pad_type = pad;
    torch::manual_seed(5);
    Generator gen(g);
    for (const auto& [n, h, w] : std::vector<std::tuple<int, int, int>>{{1, 2, 2}, {1, 3, 3}, {2, 5, 7}, {1, 16, 12}}) {
      torch::NoGradGuard no_grad;
      torch::Tensor content = torch::randn({n, 32, h, w}), style = torch::randn({n, 4, 1, 1});
      torch::Tensor official = gen->decode(content, style);
      torch::Tensor subpixel = gen->decode(content, style, Upsampling::Subpixel);
      ASSERT_EQ(subpixel.sizes(), official.sizes());
      EXPECT_LT((subpixel - official).abs().max().item<float>(), 1e-5f) << pad << " " << n << "x" << h << "x" << w;
    }
    auto gradients = [&](Upsampling upsampling, torch::Tensor& out) {
      torch::manual_seed(9);
      torch::Tensor content = torch::randn({2, 32, 5, 6}, torch::requires_grad());
      torch::Tensor style = torch::randn({2, 4, 1, 1}, torch::requires_grad());
      const torch::Tensor target = torch::randn({2, 3, 20, 24});
      for (auto& p : gen->parameters()) p.mutable_grad() = torch::Tensor();
      out = gen->decode(content, style, upsampling);
      (out - target).abs().mean().backward();
      std::vector<torch::Tensor> grads{content.grad(), style.grad()};
      for (auto& p : gen->parameters())
        if (p.grad().defined()) grads.push_back(p.grad().clone());
      return grads;
    };
    torch::Tensor official_out, subpixel_out;
    const auto official = gradients(Upsampling::Official, official_out);
    const auto subpixel = gradients(Upsampling::Subpixel, subpixel_out);
    EXPECT_LT((subpixel_out - official_out).abs().max().item<float>(), 1e-5f) << pad;
    ASSERT_EQ(subpixel.size(), official.size()) << pad << ": the same parameters get gradients";
    for (std::size_t i = 0; i < official.size(); ++i) {
      const float scale = std::max(1.0f, official[i].abs().max().item<float>());
      EXPECT_LT((subpixel[i] - official[i]).abs().max().item<float>(), 1e-5f * scale) << pad << " gradient " << i;
    }
  }
}

// [pipeline] channels_last: NHWC weights and inputs give the same outputs and gradients, on the
// CPU and (on a GPU host) on CUDA, also through the decoder's sub-pixel path.
class ChannelsLastOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cuda") MUNIT_REQUIRE_CUDA();
  }
};

TEST_P(ChannelsLastOn, GivesTheOutputsAndGradientsOfContiguousNetworks) {
  const torch::Device device(GetParam());
  GeneratorConfig g;
  g.dim = 8, g.mlp_dim = 16, g.style_dim = 4, g.n_downsample = 2, g.n_res = 1;
  DiscriminatorConfig d;
  d.dim = 8, d.n_layer = 2, d.num_scales = 2, d.norm = "none";
  torch::manual_seed(3);
  Generator gen(g), gen_nhwc(g);
  Discriminator dis(d), dis_nhwc(d);
  for (auto [from, to] : {std::pair<torch::nn::Module*, torch::nn::Module*>{gen.get(), gen_nhwc.get()},
                          {dis.get(), dis_nhwc.get()}}) {
    init_weights(*from, "kaiming");
    torch::NoGradGuard no_grad;
    auto source = from->parameters(), target = to->parameters();
    for (std::size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
    from->to(device);
    to->to(device);
    use_channels_last(*to);
  }
  const auto nhwc = at::MemoryFormat::ChannelsLast;
  EXPECT_TRUE(gen_nhwc->enc_content->parameters().front().is_contiguous(nhwc));
  torch::Tensor x = torch::rand({2, 3, 16, 16}, device) * 2 - 1, style = torch::randn({2, 4, 1, 1}, device);

  Codes codes = gen->encode(x), codes_nhwc = gen_nhwc->encode(x.contiguous(nhwc));
  torch::Tensor out = gen->decode(codes.content, style), out_nhwc = gen_nhwc->decode(codes_nhwc.content, style);
  EXPECT_LT((out - out_nhwc).abs().max().item<float>(), 1e-5f);
  EXPECT_LT((codes.style - codes_nhwc.style).abs().max().item<float>(), 1e-5f);
  torch::Tensor loss = dis->gen_loss(out), loss_nhwc = dis_nhwc->gen_loss(out_nhwc);
  EXPECT_NEAR(loss.item<double>(), loss_nhwc.item<double>(), 1e-5);
  loss.backward();
  loss_nhwc.backward();
  auto grads = gen->parameters(), grads_nhwc = gen_nhwc->parameters();
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].grad().defined()) continue;
    const double scale = std::max(1.0, grads[i].grad().abs().max().item<double>());
    EXPECT_LT((grads[i].grad() - grads_nhwc[i].grad()).abs().max().item<double>(), 1e-4 * scale) << "parameter " << i;
  }

  torch::NoGradGuard no_grad;
  torch::Tensor subpixel = gen_nhwc->decode(codes_nhwc.content, style, Upsampling::Subpixel);
  EXPECT_LT((out.detach() - subpixel).abs().max().item<float>(), 1e-5f);
}

INSTANTIATE_TEST_SUITE_P(Devices, ChannelsLastOn, ::testing::Values("cpu", "cuda"),
                         [](const auto& info) { return info.param; });

TEST(Networks, GanLossesFollowTheOfficialFormulas) {
  DiscriminatorConfig d;
  d.dim = 4, d.n_layer = 2, d.num_scales = 2, d.gan_type = "nsgan";
  Discriminator ns(d);
  torch::Tensor fake = torch::rand({2, 3, 16, 16}), real = torch::rand({2, 3, 16, 16});
  auto f = ns->forward(fake), r = ns->forward(real);
  double expected = 0;
  for (int s = 0; s < 2; ++s)
    expected += (torch::nn::functional::softplus(f[s]).mean() + torch::nn::functional::softplus(-r[s]).mean()).item<double>();
  EXPECT_NEAR(ns->dis_loss(fake, real).item<double>(), expected, 1e-5);
  double gen_expected = 0;
  for (int s = 0; s < 2; ++s) gen_expected += torch::nn::functional::softplus(-f[s]).mean().item<double>();
  EXPECT_NEAR(ns->gen_loss(fake).item<double>(), gen_expected, 1e-5);
}

TEST(Networks, RejectsUnknownOptionsByName) {
  GeneratorConfig g;
  g.activ = "gelu";
  try {
    Generator gen(g);
    FAIL() << "accepted activ gelu";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gen.activ 'gelu'"), std::string::npos) << e.what();
  }
  DiscriminatorConfig d;
  d.norm = "sn";
  EXPECT_THROW(Discriminator{d}, std::invalid_argument);
}

TEST(Networks, OfficialInitSchemes) {
  torch::manual_seed(0);
  GeneratorConfig g = edges2shoes_gen();
  g.dim = 32;
  Generator gen(g);
  init_weights(*gen, "kaiming");
  // The 3x3 convs of the content encoder's residual blocks: fan_in 128 * 9.
  torch::Tensor w = gen->enc_content->named_parameters()["model.3.model.0.model.0.conv.weight"];
  const double kaiming_std = std::sqrt(2.0 / (128 * 9));
  EXPECT_NEAR(w.std().item<double>(), kaiming_std, 0.1 * kaiming_std);
  for (const auto& p : gen->named_parameters()) {
    const std::string& name = p.key();
    if (name.size() > 4 && name.substr(name.size() - 4) == "bias") EXPECT_EQ(p.value().abs().max().item<float>(), 0) << name;
    if (name.find("gamma") != std::string::npos) {  // LayerNorm keeps its uniform draw
      EXPECT_GE(p.value().min().item<float>(), 0.0f);
      EXPECT_LT(p.value().max().item<float>(), 1.0f);
    }
  }
  Discriminator dis(edges2shoes_dis());
  init_weights(*dis, "gaussian");
  torch::Tensor dw = dis->named_parameters()["cnns.0.2.conv.weight"];
  EXPECT_NEAR(dw.std().item<double>(), 0.02, 0.001);
  EXPECT_NEAR(dw.mean().item<double>(), 0.0, 0.001);

  torch::nn::Linear linear(64, 16);
  init_weights(*linear, "orthogonal");  // rows orthogonal, gain sqrt(2)
  torch::Tensor gram = torch::mm(linear->weight, linear->weight.t());
  EXPECT_TRUE(torch::allclose(gram, 2 * torch::eye(16), 1e-4, 1e-4));
  init_weights(*linear, "xavier");
  EXPECT_NEAR(linear->weight.std().item<double>(), std::sqrt(2.0) * std::sqrt(2.0 / (64 + 16)), 0.03);
  EXPECT_THROW(init_weights(*linear, "uniform"), std::invalid_argument);
}

// Equal up to float rounding: within 1e-5 of the largest magnitude expected.
void expect_near(const torch::Tensor& actual, const torch::Tensor& expected, const std::string& what) {
  const double scale = expected.abs().max().item<double>();
  const double error = (actual - expected).abs().max().item<double>();
  EXPECT_LE(error, 1e-5 * scale) << what << ": max abs error " << error << ", largest value " << scale;
}

// The first torch.optim.Adam step of the fixture's official iteration, parameter by parameter: from
// gen.pt's and dis.pt's values and the recorded gradient (weight decay not included: Adam adds
// it) to the recorded parameter and moments.
TEST(Adam, AddsWeightDecayToTheGradientAsTorchOptimAdam) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "io.pt");
  const MunitConfig config = load_config(dir / "config.yaml");
  const py::Object io = load_torch_file(dir / "io.pt"), gen = load_torch_file(dir / "gen.pt"),
                   dis = load_torch_file(dir / "dis.pt");
  int compared = 0;
  for (const auto& [key, after] : io.entries()) {
    const std::string prefix = "iter1.param.";
    if (key.as_string().rfind(prefix, 0) != 0) continue;
    const std::string name = key.as_string().substr(prefix.size());  // gen_a.dec.model.5.conv.weight
    const py::Object& file = name[0] == 'g' ? gen : dis;
    torch::Tensor p = file.at(name.substr(4, 1)).at(name.substr(6)).as_tensor().clone().requires_grad_();
    Adam adam({p}, AdamOptions::from(config.optimizer));
    adam.set_lr(learning_rate(config.optimizer, 0));
    p.mutable_grad() = io.at("iter1.grad." + name).as_tensor().clone();
    adam.step();
    expect_near(p.detach(), after.as_tensor(), name);
    expect_near(adam.state(0).exp_avg, io.at("iter1.exp_avg." + name).as_tensor(), name + " exp_avg");
    expect_near(adam.state(0).exp_avg_sq, io.at("iter1.exp_avg_sq." + name).as_tensor(), name + " exp_avg_sq");
    ++compared;
  }
  EXPECT_GE(compared, 13);
}

// Later steps' bias corrections. The expected values are torch.optim.Adam's (python3-torch 1.13,
// float32): p = [1, -2, 3], the gradient [0.5, 0, -1] at every step, lr 0.1, betas (0.5, 0.999),
// eps 1e-8, weight_decay 0.01.
TEST(Adam, ThreeStepsMatchTorchOptimAdam) {
  torch::Tensor p = torch::tensor({1.0f, -2.0f, 3.0f}).requires_grad_();
  AdamOptions options;
  options.lr = 0.1, options.beta1 = 0.5, options.beta2 = 0.999, options.eps = 1e-8, options.weight_decay = 0.01;
  Adam adam({p}, options);
  const double expected[3][3] = {{0.900000036, -1.9000001, 3.0999999},
                                 {0.800032735, -1.80088615, 3.19998264},
                                 {0.700116873, -1.70321631, 3.29993844}};
  for (int step = 0; step < 3; ++step) {
    p.mutable_grad() = torch::tensor({0.5f, 0.0f, -1.0f});
    adam.step();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(p[i].item<double>(), expected[step][i], 1e-6) << "step " << step + 1;
  }
  EXPECT_EQ(adam.state(0).step, 3);
}

TEST(Adam, StateDictRoundTripsThroughAFileAndResumesIdentically) {
  torch::manual_seed(1);
  std::vector<torch::Tensor> params{torch::randn({4, 3}).requires_grad_(), torch::randn({5}).requires_grad_()};
  Adam adam(params, AdamOptions{});
  for (auto& p : params) p.mutable_grad() = torch::randn_like(p);
  adam.step();
  adam.set_lr(5e-5);

  auto dir = std::filesystem::temp_directory_path() / ("munit_adam_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  save_torch_file(dir / "optimizer.pt", adam.state_dict());
  py::Object loaded = load_torch_file(dir / "optimizer.pt");
  std::filesystem::remove_all(dir);

  std::vector<torch::Tensor> copies{params[0].detach().clone().requires_grad_(), params[1].detach().clone().requires_grad_()};
  Adam resumed(copies, AdamOptions{});
  resumed.load_state_dict(loaded, "optimizer.pt");
  EXPECT_DOUBLE_EQ(resumed.lr(), 5e-5);
  EXPECT_DOUBLE_EQ(resumed.initial_lr(), 1e-4);
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(resumed.state(i).step, 1);
    EXPECT_TRUE(torch::equal(resumed.state(i).exp_avg, adam.state(i).exp_avg));
    EXPECT_TRUE(torch::equal(resumed.state(i).exp_avg_sq, adam.state(i).exp_avg_sq));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    torch::Tensor g = torch::randn_like(params[i]);
    params[i].mutable_grad() = g;
    copies[i].mutable_grad() = g.clone();
  }
  adam.step();
  resumed.step();
  for (std::size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], copies[i]));

  Adam wrong({torch::zeros({4, 3})}, AdamOptions{});
  EXPECT_THROW(wrong.load_state_dict(loaded, "optimizer.pt"), UserError);
}

TEST(LearningRate, StepPolicyHalvesEveryStepSizeIterationsAsTheOfficialLoop) {
  OptimizerConfig config;
  config.lr = 1e-4, config.step_size = 100, config.gamma = 0.5, config.lr_policy = "step";
  EXPECT_DOUBLE_EQ(learning_rate(config, 0), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(config, 98), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(config, 99), 5e-5);  // the scheduler has stepped 100 times
  EXPECT_DOUBLE_EQ(learning_rate(config, 250), 2.5e-5);
  config.lr_policy = "constant";
  EXPECT_DOUBLE_EQ(learning_rate(config, 1000000), 1e-4);
}

TEST(Checkpoint, StaleInstanceNormStatisticsOfOlderReleasesAreIgnored) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  MunitConfig config = load_config(dir / "config.yaml");
  py::Object file = load_torch_file(dir / "gen.pt");
  py::Object state = file.at("a");
  state.entries()
      .emplace_back(py::Object::string("enc_content.model.0.norm.running_mean"), py::Object::tensor(torch::zeros({16})));
  state.entries()
      .emplace_back(py::Object::string("enc_content.model.0.norm.running_var"), py::Object::tensor(torch::ones({16})));
  Generator gen(config.gen_a);
  EXPECT_NO_THROW(load_generator(gen, file, dir / "gen.pt", "a"));

  state.entries()
      .emplace_back(py::Object::string("dec.extra.weight"), py::Object::tensor(torch::ones({1})));
  try {
    load_generator(gen, file, dir / "gen.pt", "a");
    FAIL() << "an unknown key was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("1 unexpected keys: dec.extra.weight"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, MismatchedCheckpointNamesKeysShapesAndAFittingConfig) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  MunitConfig config = load_config(dir / "config.yaml");
  GeneratorConfig wider = config.gen_a;
  wider.dim = 32;
  wider.n_res = 3;
  Generator gen(wider);
  torch::Tensor before = gen->enc_style->named_parameters()["model.0.conv.weight"].clone();
  try {
    load_generator(gen, dir / "gen.pt", "b");
    FAIL() << "a mismatched checkpoint loaded";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("generator 'b' of"), std::string::npos) << message;
    EXPECT_NE(message.find("12 missing keys: enc_content.model.3.model.2.model.0.conv.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("keys of another shape: enc_style.model.0.conv.weight (file [16, 3, 7, 7], model [32, 3, 7, 7])"),
              std::string::npos) << message;
    EXPECT_NE(message.find("more)"), std::string::npos) << message;
    EXPECT_NE(message.find("gen.dim 16"), std::string::npos) << message;
    EXPECT_NE(message.find("gen.n_res 2"), std::string::npos) << message;
  }
  // Nothing was copied.
  EXPECT_TRUE(torch::equal(before, gen->enc_style->named_parameters()["model.0.conv.weight"]));

  DiscriminatorConfig deeper = config.dis_a;
  deeper.num_scales = 3;
  Discriminator dis(deeper);
  try {
    load_discriminator(dis, dir / "dis.pt", "a");
    FAIL() << "a mismatched checkpoint loaded";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("dis.num_scales 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_generator(gen, dir / "gen.pt", "c"), UserError);    // no such entry
  EXPECT_THROW(load_generator(gen, dir / "io.pt", "a"), UserError);     // not a MUNIT checkpoint
}

TEST(Checkpoint, ModelsWrittenByMunitLoadBackBitExactly) {
  const auto dir = testing::fixtures_dir() / "official-small";
  MUNIT_REQUIRE_FIXTURE(dir / "gen.pt");
  MunitConfig config = load_config(dir / "config.yaml");
  Generator a(config.gen_a), b(config.gen_b);
  load_generator(a, dir / "gen.pt", "a");
  load_generator(b, dir / "gen.pt", "b");
  auto out = std::filesystem::temp_directory_path() / ("munit_ckpt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(out);
  save_pair(checkpoint_path(out, "gen", 1234), *a, *b);
  EXPECT_EQ(latest_checkpoint(out, "gen"), checkpoint_path(out, "gen", 1234));
  EXPECT_EQ(iterations_of(checkpoint_path(out, "gen", 1234)), 1234);
  EXPECT_EQ(checkpoint_path(out, "gen", 1234).filename(), "gen_00001234.pt");

  py::Object official = load_torch_file(dir / "gen.pt");
  py::Object ours = load_torch_file(checkpoint_path(out, "gen", 1234));
  std::filesystem::remove_all(out);
  for (const char* entry : {"a", "b"}) {
    const py::Entries &e = official.at(entry).entries(), &o = ours.at(entry).entries();
    ASSERT_EQ(o.size(), e.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      ASSERT_EQ(o[i].first.as_string(), e[i].first.as_string());
      const at::Tensor &x = o[i].second.as_tensor(), &y = e[i].second.as_tensor();
      ASSERT_EQ(x.scalar_type(), y.scalar_type());
      EXPECT_EQ(std::memcmp(x.data_ptr(), y.data_ptr(), y.nbytes()), 0) << e[i].first.as_string();
    }
  }
}

}  // namespace
}  // namespace munit::model
