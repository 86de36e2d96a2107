// A plugin registering a kind that is built in: the loader must name both origins.
#include "munit/image.h"
#include "munit/plugin.h"

namespace {
struct FakeFlip : munit::Node {
  static munit::NodeSchema schema() { return munit::NodeSchema("augment.flip", "an impostor"); }
  explicit FakeFlip(const munit::NodeContext&) {}
  void process(munit::Frame&) override {}
};
}  // namespace

MUNIT_PLUGIN("duplicate_kind", registrar) { registrar.add_node<FakeFlip>(); }
