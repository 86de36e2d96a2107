#pragma once
// MUNIT networks as pipeline resources, declared once and shared by name:
//
//   [models.gen_a]
//   kind = "munit.generator"
//   config = "configs/edges2shoes.yaml"   # official YAML, imported where this table is silent
//   domain = "a"                          # whose input_dim_* applies; the default checkpoint entry
//   checkpoint = "runs/e2s/gen_00100000.pt"   # absent: freshly initialized (init, seeded)
//   dim = 32                              # any architecture setting (`munit nodes munit.generator`)
//
// The networks keep no per-call state (AdaIN parameters are passed, not stored), so several
// frames may run a generator's forward at once.
#include <filesystem>
#include <string>

#include "config.h"
#include "discriminator.h"
#include "generator.h"
#include "munit/schema.h"
#include "munit/trainable.h"

namespace munit {
struct ResourceContext;
}

namespace munit::model {

// The architecture a resource's parameters declare (validated).
GeneratorConfig generator_config(const Params& params);
DiscriminatorConfig discriminator_config(const Params& params);

struct GeneratorModel : Trainable {
  static constexpr const char* kKind = "munit.generator";
  static ResourceSchema schema();
  explicit GeneratorModel(const ResourceContext& context);
  NamedTensors named_parameters() const override;
  NamedTensors named_buffers() const override;

  std::string domain;
  std::filesystem::path checkpoint;  // the file it was loaded from; empty: freshly initialized
  Generator net{nullptr};
};

struct DiscriminatorModel : Trainable {
  static constexpr const char* kKind = "munit.discriminator";
  static ResourceSchema schema();
  explicit DiscriminatorModel(const ResourceContext& context);
  NamedTensors named_parameters() const override;
  NamedTensors named_buffers() const override;

  std::string domain;
  Discriminator net{nullptr};
};

}  // namespace munit::model
