// The OpenCV augmentations: augment.resize, augment.crop, augment.channels, augment.edges.
#include <gmock/gmock.h>
#include <set>
#include <gtest/gtest.h>

#include "../support/node_harness.h"
#include "munit/image.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

Image ramp(int height, int width, int channels) {  // pixel value = its index, mod 256
  Image image = Image::blank(height, width, channels);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::uint8_t>(i);
  return image;
}

Image run_one(const std::string& kind, std::map<std::string, ParamValue> params, const Image& image,
              FrameId frame = 0, std::uint64_t seed = 1) {
  Registry registry = Registry::with_builtins();
  NodeHarness node(registry, kind, std::move(params), seed);
  auto outputs = node.process(frame, {{"in", Packet::of(ImageBatch{{image}, {"x.png"}})}});
  const auto& batch = outputs.at(0).as<ImageBatch>();
  EXPECT_EQ(batch.provenance, (std::vector<std::string>{"x.png"}));
  return batch.images.at(0);
}

TEST(ResizeTest, ShorterSideTakesTheSizeAndTheAspectRatioStays) {
  Image wide = run_one("augment.resize", {{"size", std::int64_t{10}}}, ramp(20, 45, 3));
  EXPECT_EQ(wide.height, 10);
  EXPECT_EQ(wide.width, 22) << "45·10/20 = 22.5 rounds down, as torchvision's Resize";
  Image tall = run_one("augment.resize", {{"size", std::int64_t{8}}}, ramp(32, 16, 1));
  EXPECT_EQ(tall.width, 8);
  EXPECT_EQ(tall.height, 16);
  EXPECT_EQ(tall.channels, 1);
}

TEST(CropTest, CenterCutsTheMiddleAndRandomStaysInsideAndRepeats) {
  Image image = ramp(6, 8, 1);
  Image center = run_one("augment.crop", {{"width", std::int64_t{2}}, {"height", std::int64_t{2}},
                                          {"mode", std::string("center")}}, image);
  EXPECT_EQ(center.pixels, (std::vector<std::uint8_t>{2 * 8 + 3, 2 * 8 + 4, 3 * 8 + 3, 3 * 8 + 4}));

  std::set<int> corners;
  for (FrameId f = 0; f < 40; ++f) {
    Image random = run_one("augment.crop", {{"width", std::int64_t{5}}, {"height", std::int64_t{4}}}, image, f);
    ASSERT_EQ(random.width, 5);
    ASSERT_EQ(random.height, 4);
    const int top_left = random.pixels[0];
    EXPECT_LE(top_left / 8, 2);
    EXPECT_LE(top_left % 8, 3);
    corners.insert(top_left);
    EXPECT_EQ(run_one("augment.crop", {{"width", std::int64_t{5}}, {"height", std::int64_t{4}}}, image, f).pixels,
              random.pixels)
        << "the same seed and frame give the same window";
  }
  EXPECT_GT(corners.size(), 6u) << "windows vary across frames (12 places possible)";
}

TEST(CropTest, AnImageSmallerThanTheWindowIsAnErrorNamingIt) {
  try {
    run_one("augment.crop", {{"width", std::int64_t{9}}, {"height", std::int64_t{2}}}, ramp(6, 8, 1));
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("x.png"));
    EXPECT_THAT(e.what(), HasSubstr("augment.resize"));
  }
}

TEST(ChannelsTest, GrayToRgbReplicatesAndRgbToGrayWeighs) {
  Image gray = ramp(2, 2, 1);
  Image rgb = run_one("augment.channels", {{"to", std::string("rgb")}}, gray);
  ASSERT_EQ(rgb.channels, 3);
  EXPECT_EQ(rgb.pixels[3 * 3 + 0], 3);
  EXPECT_EQ(rgb.pixels[3 * 3 + 2], 3);
  Image red = Image::blank(1, 1, 3);
  red.pixels = {255, 0, 0};
  Image back = run_one("augment.channels", {{"to", std::string("gray")}}, red);
  ASSERT_EQ(back.channels, 1);
  EXPECT_EQ(back.pixels[0], 76) << "0.299 · 255: the input is RGB, so red weighs 0.299";
}

TEST(EdgesTest, DarkLinesOnWhiteAlongABoxesBorder) {
  Image box = Image::blank(32, 32, 3);
  for (int y = 8; y < 24; ++y)
    for (int x = 8; x < 24; ++x)
      for (int c = 0; c < 3; ++c) box.row(y)[3 * x + c] = 255;
  Image edges = run_one("augment.edges", {}, box);
  ASSERT_EQ(edges.channels, 3) << "as many channels as the input";
  auto at = [&](int y, int x) { return edges.row(y)[3 * x]; };
  EXPECT_EQ(at(0, 0), 255) << "flat background: white";
  EXPECT_EQ(at(16, 16), 255) << "flat inside: white";
  int dark = 0;
  for (int x = 8; x < 24; ++x) dark += at(8, x) == 0 || at(7, x) == 0;
  EXPECT_GE(dark, 14) << "the top border is a dark line";
}

}  // namespace
}  // namespace munit::testing
