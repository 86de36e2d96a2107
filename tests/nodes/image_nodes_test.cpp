// The built-in image nodes: data.pattern, augment.flip, io.image_writer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

#include "../support/node_harness.h"
#include "munit/image.h"

namespace munit::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const ImageBatch& batch_of(const std::vector<Packet>& outputs) { return outputs.at(0).as<ImageBatch>(); }

TEST(PatternTest, BatchesCountAndEnd) {
  Registry registry = Registry::with_builtins();
  NodeHarness pattern(registry, "data.pattern", {{"count", std::int64_t{5}}, {"batch", std::int64_t{2}}, {"size", std::int64_t{16}}});
  EXPECT_EQ(batch_of(pattern.process(0)).images.size(), 2u);
  auto outputs = pattern.process(2);
  const ImageBatch& last = batch_of(outputs);
  ASSERT_EQ(last.images.size(), 1u);
  EXPECT_EQ(last.provenance[0], "pattern_000004");
  EXPECT_EQ(last.images[0].height, 16);
  EXPECT_EQ(last.images[0].channels, 3);
  EXPECT_TRUE(pattern.process(3).empty()) << "frame 3 starts past the last image";
}

TEST(PatternTest, SameSeedSameImagesOtherSeedOthers) {
  Registry registry = Registry::with_builtins();
  NodeHarness a(registry, "data.pattern", {}, 5), b(registry, "data.pattern", {}, 5), c(registry, "data.pattern", {}, 6);
  auto pixels = [](NodeHarness& node) {
    auto outputs = node.process(1);
    return batch_of(outputs).images[3].pixels;
  };
  EXPECT_EQ(pixels(a), pixels(b));
  EXPECT_NE(pixels(a), pixels(c));
}

TEST(FlipTest, MirrorsWithProbabilityOneAndNeverWithZero) {
  Registry registry = Registry::with_builtins();
  Image image = Image::blank(2, 3, 1);
  image.pixels = {1, 2, 3, 4, 5, 6};
  Packet in = Packet::of(ImageBatch{{image}, {"x"}});
  auto flipped = [&](std::map<std::string, ParamValue> params) {
    NodeHarness flip(registry, "augment.flip", std::move(params));
    auto outputs = flip.process(0, {{"in", in}});
    EXPECT_EQ(batch_of(outputs).provenance, (std::vector<std::string>{"x"}));
    return batch_of(outputs).images[0].pixels;
  };
  EXPECT_EQ(flipped({{"p", 1.0}}), (std::vector<std::uint8_t>{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(flipped({{"p", 1.0}, {"direction", std::string("vertical")}}), (std::vector<std::uint8_t>{4, 5, 6, 1, 2, 3}));
  EXPECT_EQ(flipped({{"p", 0.0}}), image.pixels);
}

TEST(FlipTest, HalfTheImagesFlipAtPOneHalf) {
  Registry registry = Registry::with_builtins();
  Image image = Image::blank(1, 2, 1);
  image.pixels = {0, 1};
  Packet in = Packet::of(ImageBatch{std::vector<Image>(400, image), {}});
  NodeHarness flip(registry, "augment.flip");
  int flipped = 0;
  auto outputs = flip.process(0, {{"in", in}});
  for (const auto& out : batch_of(outputs).images) flipped += out.pixels[0] == 1;
  EXPECT_GT(flipped, 150);
  EXPECT_LT(flipped, 250);
}

TEST(ImageWriterTest, WritesRgbFilesNamedAfterProvenanceAndRefusesToOverwrite) {
  Registry registry = Registry::with_builtins();
  fs::path dir = fs::temp_directory_path() / ("munit_writer_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Image red = Image::blank(2, 2, 3);
  for (std::size_t i = 0; i < red.pixels.size(); i += 3) red.pixels[i] = 255;
  Packet in = Packet::of(ImageBatch{{red}, {"/data/photos/cat.jpg"}});
  {
    NodeHarness writer(registry, "io.image_writer", {{"dir", dir.string()}, {"suffix", std::string("_x")}});
    writer.process(0, {{"in", in}});
  }
  EXPECT_EQ(in.as<ImageBatch>().images[0].pixels, red.pixels) << "the input, shared with other nodes, is untouched";
  cv::Mat written = cv::imread((dir / "cat_x.png").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255)) << "OpenCV reads BGR: red is the third channel";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary file left";

  NodeHarness again(registry, "io.image_writer", {{"dir", dir.string()}, {"suffix", std::string("_x")}});
  try {
    again.process(0, {{"in", in}});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("exists already"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace munit::testing
