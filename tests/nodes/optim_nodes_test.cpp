// The optim room on its own: optim.adam takes any model resource that implements munit::Trainable
// (as a plugin's model would), and refuses a resource that does not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "munit/errors.h"
#include "munit/registry.h"
#include "munit/trainable.h"
#include "nodes/optim/adam_optimizer.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

// A model that is not a MUNIT network: y = w * x, one parameter and one buffer.
struct Scale : Trainable {
  static constexpr const char* kKind = "test.scale";
  static ResourceSchema schema() { return ResourceSchema(kKind, "models", "w * x"); }
  explicit Scale(const ResourceContext&) {}
  NamedTensors named_parameters() const override { return {{"w", w}}; }
  NamedTensors named_buffers() const override { return {{"calls", calls}}; }

  at::Tensor w = torch::full({3}, 2.0).requires_grad_();
  at::Tensor calls = torch::zeros({1});
};

// A resource with no parameters.
struct Table {
  static constexpr const char* kKind = "test.table";
  static ResourceSchema schema() { return ResourceSchema(kKind, "models", "a lookup table"); }
  explicit Table(const ResourceContext&) {}
};

class OptimRoom : public ::testing::Test {
 protected:
  OptimRoom() : registry(Registry::with_builtins()) {
    registry.add_resource<Scale>();
    registry.add_resource<Table>();
  }

  void add(const std::string& kind, const std::string& name, std::map<std::string, ParamValue> values = {}) {
    const ResourceKind* resource = registry.resource(kind);
    for (const auto& spec : resource->schema.params)
      if (!values.count(spec.name) && spec.default_value) values[spec.name] = *spec.default_value;
    resource->instantiate(ResourceContext{name, Params(values), &resources, 1, "cpu"}, resources);
  }

  Registry registry;
  Resources resources;
};

TEST_F(OptimRoom, AdamUpdatesAnyTrainableModel) {
  add("test.scale", "scale");
  add("optim.adam", "opt", {{"models", StringList{"scale"}}, {"lr", 0.1}, {"weight_decay", 0.0}});
  auto model = resources.get<Scale>("scale");
  auto optimizer = resources.get<optim::AdamOptimizer>("opt");
  ASSERT_EQ(optimizer->adam->params().size(), 1u);
  EXPECT_TRUE(optimizer->adam->params()[0].is_same(model->w));

  (model->w * torch::ones({3})).sum().backward();
  optimizer->adam->step();
  // Adam's first step moves each weight by lr against the sign of its gradient.
  EXPECT_TRUE(torch::allclose(model->w.detach(), torch::full({3}, 1.9)));
  EXPECT_TRUE(resources.trainable("scale") != nullptr);
  EXPECT_EQ(resources.trainable("scale")->named_buffers().at(0).first, "calls");
}

TEST_F(OptimRoom, AResourceWithoutParametersIsRefusedByName) {
  add("test.table", "table");
  try {
    add("optim.adam", "opt", {{"models", StringList{"table"}}});
    FAIL() << "optim.adam accepted a resource with no parameters";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'table' is a test.table, which has no parameters to optimize"));
  }
  try {
    add("optim.adam", "opt", {{"models", StringList{"missing"}}});
    FAIL() << "optim.adam accepted an undeclared model";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("declare [models.missing]"));
  }
}

}  // namespace
}  // namespace munit::testing
