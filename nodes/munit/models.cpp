#include "models.h"

#include <mutex>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <spdlog/fmt/ranges.h>

#include "channels_last.h"
#include "checkpoint.h"
#include "init.h"
#include "munit/node.h"
#include "munit/registry.h"
#include "torchio/torch_file.h"
#include "../recorded_iterations.h"

namespace munit::model {
namespace {

const auto kConfig = param<std::filesystem::path>("config", "")
    .doc("MUNIT YAML config in the official layout; empty: the edges2shoes values");
const auto kDomain = param<std::string>("domain").one_of({"a", "b"})
    .doc("the domain it serves: picks input_dim_a or input_dim_b");
const auto kCheckpoint = param<std::filesystem::path>("checkpoint", "");
const auto kEntry = param<std::string>("entry", "").one_of({"", "a", "b"})
    .doc("entry of the checkpoint to load; empty: the domain");
const auto kCheckpointIterations = param<std::int64_t>("checkpoint_iterations", -1).at_least(-1)
    .doc("the iteration count the checkpoint must record (--resume sets it); -1: not checked");

ResourceSchema model_schema(const char* kind, const char* what, const char* init) {
  return ResourceSchema(kind, "models", std::string("a MUNIT ") + what + " (official architecture and parameter names)")
      .params_of(kConfig, kDomain,
                 kCheckpoint.doc(std::string("official-format ") + what + " checkpoint to load; empty: initialize (" +
                                 init + ")"),
                 kEntry, kCheckpointIterations);
}

MunitConfig config_of(const ResourceContext& context, const std::string& name) {
  const std::filesystem::path path = context.params.get(kConfig);
  MunitConfig config = path.empty() ? MunitConfig{} : load_config(path);
  if (!config.unknown_keys.empty()) {
    spdlog::warn("model '{}': {} has keys munit does not use: {}", name, path.string(),
                 fmt::join(config.unknown_keys, ", "));
  }
  return config;
}

// Construction and init draw from LibTorch's global generator: build each network under one lock,
// right after seeding it with the resource's seed, so a pipeline seed gives the same weights.
template <class Net, class Config, class Load>
Net build(const ResourceContext& context, const Config& config, const std::string& domain, const std::string& scheme,
          Load load) {
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
    const py::Object file = load_torch_file(checkpoint);
    check_recorded_iterations(file, checkpoint, context.params.get(kCheckpointIterations));
    load(net, file, checkpoint, entry.empty() ? domain : entry);
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

ResourceSchema GeneratorModel::schema() { return model_schema(kKind, "generator", "the config's init"); }

GeneratorModel::GeneratorModel(const ResourceContext& context)
    : config(config_of(context, context.name)), domain(context.params.get(kDomain)) {
  net = build<Generator>(context, domain == "a" ? config.gen_a : config.gen_b, domain, config.init,
                         [](Generator& g, const py::Object& file, const std::filesystem::path& path,
                            const std::string& entry) { load_generator(g, file, path, entry); });
}

NamedTensors GeneratorModel::named_parameters() const { return named(net->named_parameters()); }
NamedTensors GeneratorModel::named_buffers() const { return named(net->named_buffers()); }

ResourceSchema DiscriminatorModel::schema() { return model_schema(kKind, "discriminator", "gaussian"); }

DiscriminatorModel::DiscriminatorModel(const ResourceContext& context)
    : config(config_of(context, context.name)), domain(context.params.get(kDomain)) {
  net = build<Discriminator>(context, domain == "a" ? config.dis_a : config.dis_b, domain, "gaussian",
                             [](Discriminator& d, const py::Object& file, const std::filesystem::path& path,
                                const std::string& entry) { load_discriminator(d, file, path, entry); });
}

NamedTensors DiscriminatorModel::named_parameters() const { return named(net->named_parameters()); }
NamedTensors DiscriminatorModel::named_buffers() const { return named(net->named_buffers()); }

}  // namespace munit::model

MUNIT_REGISTER_RESOURCE(munit::model::GeneratorModel)
MUNIT_REGISTER_RESOURCE(munit::model::DiscriminatorModel)
