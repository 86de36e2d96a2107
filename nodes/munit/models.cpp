#include "models.h"

#include <mutex>

#include <torch/torch.h>


#include "channels_last.h"
#include "checkpoint.h"
#include "init.h"
#include "munit/node.h"
#include "munit/registry.h"
#include "torchio/torch_file.h"
#include "../yaml_import.h"
#include "../recorded_iterations.h"

namespace munit::model {
namespace {

const auto kConfig = param<std::filesystem::path>("config", "")
    .doc("official MUNIT YAML read at validation: its gen/dis, init and input_dim_<domain> values apply where "
         "this table sets none (empty: [pipeline] config, if any)");
const auto kDomain = param<std::string>("domain").one_of({"a", "b"})
    .doc("the domain it serves: which input_dim_* of the YAML applies; the default checkpoint entry");
const auto kCheckpoint = param<std::filesystem::path>("checkpoint", "");
const auto kEntry = param<std::string>("entry", "").one_of({"", "a", "b"})
    .doc("entry of the checkpoint to load; empty: the domain");
const auto kCheckpointIterations = param<std::int64_t>("checkpoint_iterations", -1).at_least(-1)
    .doc("the iteration count the checkpoint must record (--resume sets it); -1: not checked");
const auto kInputDim = param<std::int64_t>("input_dim", GeneratorConfig{}.input_dim).range(1, 4096)
    .doc("image channels of the domain (YAML input_dim_a / input_dim_b)");

// The architecture: (parameter, YAML key) per setting, defaults from config.h.
const auto kGenDim = param<std::int64_t>("dim", GeneratorConfig{}.dim).range(1, 4096).doc("filters of the first layer");
const auto kMlpDim = param<std::int64_t>("mlp_dim", GeneratorConfig{}.mlp_dim).range(1, 65536)
    .doc("width of the MLP from style code to AdaIN parameters");
const auto kStyleDim = param<std::int64_t>("style_dim", GeneratorConfig{}.style_dim).range(1, 4096)
    .doc("length of a style code");
const auto kDownsample = param<std::int64_t>("n_downsample", GeneratorConfig{}.n_downsample).range(0, 8)
    .doc("stride-2 convolutions of the content encoder (images must be divisible by 2^n_downsample)");
const auto kResBlocks = param<std::int64_t>("n_res", GeneratorConfig{}.n_res).range(1, 64)
    .doc("residual blocks of the content encoder and of the decoder");
const auto kGenActiv = param<std::string>("activ", GeneratorConfig{}.activ).one_of(kActivations).doc("activation");
const auto kGenPadType = param<std::string>("pad_type", GeneratorConfig{}.pad_type).one_of(kPaddings)
    .doc("padding of the convolutions");
const auto kInit = param<std::string>("init", MunitConfig{}.init).one_of(kInits).doc("weight initialization");

const auto kDisDim = param<std::int64_t>("dim", DiscriminatorConfig{}.dim).range(1, 4096)
    .doc("filters of the first layer");
const auto kLayers = param<std::int64_t>("n_layer", DiscriminatorConfig{}.n_layer).range(1, 16)
    .doc("stride-2 convolutions per scale");
const auto kScales = param<std::int64_t>("num_scales", DiscriminatorConfig{}.num_scales).range(1, 8)
    .doc("image scales judged (each half the previous)");
const auto kNorm = param<std::string>("norm", DiscriminatorConfig{}.norm).one_of(kDisNorms).doc("normalization");
const auto kGanType = param<std::string>("gan_type", DiscriminatorConfig{}.gan_type).one_of(kGanTypes)
    .doc("adversarial loss: least squares or the non-saturating one");
const auto kDisActiv = param<std::string>("activ", DiscriminatorConfig{}.activ).one_of(kActivations).doc("activation");
const auto kDisPadType = param<std::string>("pad_type", DiscriminatorConfig{}.pad_type).one_of(kPaddings)
    .doc("padding of the convolutions");

std::string input_dim_key(const std::vector<SpecEntry>& entries) {
  return "input_dim_" + entry_text(entries, kDomain.name, "a");
}

ResourceSchema model_schema(const char* kind, const char* what, const char* init) {
  return ResourceSchema(kind, "models", std::string("a MUNIT ") + what + " (official architecture and parameter names)")
      .params_of(kConfig, kDomain,
                 kCheckpoint.doc(std::string("official-format ") + what + " checkpoint to load; empty: initialize (" +
                                 init + ")"),
                 kEntry, kCheckpointIterations, kInputDim);
}

// A checkpoint that is missing or does not fit the declared network fails validation, not the run.
template <class Net, class Config, class Load>
std::vector<ParamProblem> check_checkpoint(const Params& params, const Config& config, Load load) {
  const std::filesystem::path checkpoint = params.get(kCheckpoint);
  if (checkpoint.empty()) return {};
  if (!std::filesystem::is_regular_file(checkpoint))
    return {{kCheckpoint.name, "no checkpoint file '" + checkpoint.string() + "'"}};
  try {
    Net net(config);
    const std::string entry = params.get(kEntry);
    load(net, load_torch_file(checkpoint), checkpoint, entry.empty() ? params.get(kDomain) : entry);
  } catch (const UserError& e) {
    return {{kCheckpoint.name, e.what()}};
  }
  return {};
}

// Construction and init draw from LibTorch's global generator: build each network under one lock,
// right after seeding it with the resource's seed, so a pipeline seed gives the same weights.
template <class Net, class Config, class Load>
Net build(const ResourceContext& context, const Config& config, const std::string& scheme, Load load) {
  static std::mutex lock;
  Net net{nullptr};
  {
    std::lock_guard<std::mutex> guard(lock);
    torch::manual_seed(context.seed);
    net = Net(config);
    init_weights(*net, scheme);
  }
  if (const std::filesystem::path checkpoint = context.params.get(kCheckpoint); !checkpoint.empty()) {
    const std::string entry = context.params.get(kEntry);
    const py::Object file = load_torch_file(checkpoint);  // validation proved it fits
    check_recorded_iterations(file, checkpoint, context.params.get(kCheckpointIterations));
    load(net, file, checkpoint, entry.empty() ? context.params.get(kDomain) : entry);
  }
  net->to(torch::Device(context.device));
  if (context.channels_last) use_channels_last(*net);
  return net;
}

NamedTensors named(const torch::OrderedDict<std::string, torch::Tensor>& tensors) {
  NamedTensors out;
  for (const auto& item : tensors) out.emplace_back(item.key(), item.value());
  return out;
}

}  // namespace

GeneratorConfig generator_config(const Params& p) {
  return {p.get(kInputDim),   p.get(kGenDim),    p.get(kMlpDim),   p.get(kStyleDim),
          p.get(kDownsample), p.get(kResBlocks), p.get(kGenActiv), p.get(kGenPadType)};
}

DiscriminatorConfig discriminator_config(const Params& p) {
  return {p.get(kInputDim), p.get(kDisDim),    p.get(kLayers),  p.get(kScales),
          p.get(kNorm),     p.get(kDisActiv), p.get(kGanType), p.get(kDisPadType)};
}

namespace {
void load_into(Generator& g, const py::Object& file, const std::filesystem::path& path, const std::string& entry) {
  load_generator(g, file, path, entry);
}
void load_into(Discriminator& d, const py::Object& file, const std::filesystem::path& path, const std::string& entry) {
  load_discriminator(d, file, path, entry);
}
}  // namespace

ResourceSchema GeneratorModel::schema() {
  return model_schema(kKind, "generator", "init")
      .params_of(kGenDim, kMlpDim, kStyleDim, kDownsample, kResBlocks, kGenActiv, kGenPadType, kInit)
      .imports({kConfig.name,
                [](const std::string& file, const std::vector<SpecEntry>& entries) {
                  return import_yaml(file, {{"input_dim", input_dim_key(entries)}, {"dim", "gen.dim"},
                                            {"mlp_dim", "gen.mlp_dim"}, {"style_dim", "gen.style_dim"},
                                            {"n_downsample", "gen.n_downsample"}, {"n_res", "gen.n_res"},
                                            {"activ", "gen.activ"}, {"pad_type", "gen.pad_type"}, {"init", "init"}});
                }})
      .checks([](const Params& params) {
        return check_checkpoint<Generator>(params, generator_config(params),
                                           [](Generator& g, auto&&... rest) { load_into(g, rest...); });
      });
}

GeneratorModel::GeneratorModel(const ResourceContext& context)
    : domain(context.params.get(kDomain)), checkpoint(context.params.get(kCheckpoint)) {
  net = build<Generator>(context, generator_config(context.params), context.params.get(kInit),
                         [](Generator& g, auto&&... rest) { load_into(g, rest...); });
}

NamedTensors GeneratorModel::named_parameters() const { return named(net->named_parameters()); }
NamedTensors GeneratorModel::named_buffers() const { return named(net->named_buffers()); }

ResourceSchema DiscriminatorModel::schema() {
  return model_schema(kKind, "discriminator", "gaussian, as the official trainer does")
      .params_of(kDisDim, kLayers, kScales, kNorm, kDisActiv, kGanType, kDisPadType)
      .imports({kConfig.name,
                [](const std::string& file, const std::vector<SpecEntry>& entries) {
                  return import_yaml(file, {{"input_dim", input_dim_key(entries)}, {"dim", "dis.dim"},
                                            {"n_layer", "dis.n_layer"}, {"num_scales", "dis.num_scales"},
                                            {"norm", "dis.norm"}, {"activ", "dis.activ"},
                                            {"gan_type", "dis.gan_type"}, {"pad_type", "dis.pad_type"}});
                }})
      .checks([](const Params& params) {
        return check_checkpoint<Discriminator>(params, discriminator_config(params),
                                               [](Discriminator& d, auto&&... rest) { load_into(d, rest...); });
      });
}

DiscriminatorModel::DiscriminatorModel(const ResourceContext& context) : domain(context.params.get(kDomain)) {
  net = build<Discriminator>(context, discriminator_config(context.params), "gaussian",
                             [](Discriminator& d, auto&&... rest) { load_into(d, rest...); });
}

NamedTensors DiscriminatorModel::named_parameters() const { return named(net->named_parameters()); }
NamedTensors DiscriminatorModel::named_buffers() const { return named(net->named_buffers()); }

}  // namespace munit::model

MUNIT_REGISTER_RESOURCE(munit::model::GeneratorModel)
MUNIT_REGISTER_RESOURCE(munit::model::DiscriminatorModel)
