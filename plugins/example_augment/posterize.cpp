// example.posterize — a plugin node: reduces each channel to `levels` evenly spaced values, a
// classic colour augmentation. Built against munit's SDK headers only.
//
//   [plugins]
//   example_augment = "munit_example_augment"
//
//   [nodes.poster]
//   kind = "example.posterize"
//   in = "images.out"
//   levels = 4
#include <array>
#include <cstdint>

#include "munit/image.h"
#include "munit/plugin.h"

namespace {

class Posterize : public munit::Node {
 public:
  static constexpr munit::In<munit::ImageBatch> kIn{"in"};
  static constexpr munit::Out<munit::ImageBatch> kOut{"out"};
  static inline const auto kLevels =
      munit::param<int>("levels", 4).range(2, 256).doc("values per channel after posterizing");

  static munit::NodeSchema schema() {
    return munit::NodeSchema("example.posterize", "Reduces each colour channel to a few levels (a plugin example).")
        .input(kIn, "images")
        .output(kOut, "posterized images")
        .params_of(kLevels)
        .parallel();
  }

  explicit Posterize(const munit::NodeContext& context) {
    const int levels = context.params.get(kLevels);
    for (int value = 0; value < 256; ++value) {
      int level = value * levels / 256;  // which of the `levels` bins
      table_[value] = static_cast<std::uint8_t>(level * 255 / (levels - 1));
    }
  }

  void process(munit::Frame& frame) override {
    munit::ImageBatch out = frame.get(kIn);  // a copy: inputs are shared with other consumers
    for (auto& image : out.images)
      for (auto& pixel : image.pixels) pixel = table_[pixel];
    frame.put(kOut, std::move(out));
  }

 private:
  std::array<std::uint8_t, 256> table_{};
};

}  // namespace

MUNIT_PLUGIN("example_augment", registrar) { registrar.add_node<Posterize>(); }
