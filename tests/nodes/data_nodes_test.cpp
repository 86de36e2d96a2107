// The data sources: data.image_folder, data.file_list (image_files.h: order, epochs, unreadable
// files) and data.idx (Fashion-MNIST).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "../support/fixtures.h"
#include "../support/node_harness.h"
#include "munit/errors.h"
#include "munit/image.h"

namespace munit::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const ImageBatch& batch_of(const std::vector<Packet>& outputs) { return outputs.at(0).as<ImageBatch>(); }

// A folder of small images: value v at pixel (0,0) tells them apart.
class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("munit_folder_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
    write_png("b.png", 20);
    write_png("a.png", 10);
    write_png("sub/c.PNG", 30);
    std::ofstream(dir_ / "notes.txt") << "not an image";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_png(const std::string& name, int value) {
    cv::Mat image(4, 6, CV_8UC3, cv::Scalar(0, 0, 0));
    image.at<cv::Vec3b>(0, 0) = cv::Vec3b(0, 0, value);  // BGR: red = value
    ASSERT_TRUE(cv::imwrite((dir_ / name).string(), image));
  }
  std::map<std::string, ParamValue> params(std::map<std::string, ParamValue> extra = {}) {
    extra["dir"] = dir_.string();
    return extra;
  }
  std::vector<std::string> names(NodeHarness& node, int frames) {
    std::vector<std::string> seen;
    for (int f = 0; f < frames; ++f) {
      auto outputs = node.process(f);
      if (outputs.empty()) break;
      for (const auto& path : batch_of(outputs).provenance) seen.push_back(fs::path(path).filename().string());
    }
    return seen;
  }

  Registry registry_ = Registry::with_builtins();
  fs::path dir_;
};

TEST_F(ImageFolderTest, ListsImagesSortedRecursivelyAnyCaseThenEnds) {
  NodeHarness folder(registry_, "data.image_folder", params({{"batch", std::int64_t{2}}}));
  EXPECT_EQ(names(folder, 10), (std::vector<std::string>{"a.png", "b.png", "c.PNG"}));
  NodeHarness flat(registry_, "data.image_folder", params({{"recursive", false}}));
  EXPECT_EQ(names(flat, 10), (std::vector<std::string>{"a.png", "b.png"}));
  NodeHarness upper(registry_, "data.image_folder", params({{"extensions", StringList{".PNG"}}}));
  EXPECT_EQ(names(upper, 10), (std::vector<std::string>{"a.png", "b.png", "c.PNG"}));
  EXPECT_THROW(NodeHarness(registry_, "data.image_folder", params({{"extensions", StringList{"jpg"}}})), UserError);
}

TEST_F(ImageFolderTest, DecodesToRgbOrGray) {
  NodeHarness rgb(registry_, "data.image_folder", params());
  auto outputs = rgb.process(0);
  const Image& image = batch_of(outputs).images.at(0);
  EXPECT_EQ(image.channels, 3);
  EXPECT_EQ(image.width, 6);
  EXPECT_EQ(image.height, 4);
  EXPECT_EQ(image.pixels[0], 10) << "red first: RGB, not OpenCV's BGR";
  NodeHarness gray(registry_, "data.image_folder", params({{"channels", std::string("gray")}}));
  EXPECT_EQ(batch_of(gray.process(0)).images.at(0).channels, 1);
}

TEST_F(ImageFolderTest, EndlessShuffledEpochsArePermutationsThatChange) {
  for (int i = 0; i < 7; ++i) write_png("extra" + std::to_string(i) + ".png", 40 + i);
  auto epochs = [&](std::uint64_t seed) {
    NodeHarness folder(registry_, "data.image_folder", params({{"repeat", true}, {"shuffle", true}}), seed);
    return names(folder, 30);  // three epochs of 10
  };
  const auto seen = epochs(4);
  ASSERT_EQ(seen.size(), 30u);
  std::vector<std::string> first(seen.begin(), seen.begin() + 10), second(seen.begin() + 10, seen.begin() + 20);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), 10u) << "each file once per epoch";
  EXPECT_EQ(std::set<std::string>(second.begin(), second.end()).size(), 10u);
  EXPECT_NE(first, second) << "a new order every epoch";
  EXPECT_EQ(epochs(4), seen) << "the same seed gives the same order";
  EXPECT_NE(epochs(5), seen);
}

TEST_F(ImageFolderTest, UnreadableFilesAreSkippedOrStopTheRun) {
  std::ofstream(dir_ / "broken.png") << "\x89PNG but then nothing";
  NodeHarness skipping(registry_, "data.image_folder", params({{"batch", std::int64_t{4}}}));
  auto outputs = skipping.process(0);  // a.png b.png broken.png sub/c.PNG
  EXPECT_EQ(batch_of(outputs).images.size(), 3u) << "one pass: the broken file's slot stays empty";
  skipping.node().close();

  NodeHarness endless(registry_, "data.image_folder", params({{"repeat", true}}));
  EXPECT_EQ(names(endless, 4), (std::vector<std::string>{"a.png", "b.png", "c.PNG", "c.PNG"}))
      << "endless: the slot takes the next readable file";

  NodeHarness strict(registry_, "data.image_folder", params({{"batch", std::int64_t{4}}, {"unreadable", std::string("error")}}));
  try {
    strict.process(0);
    FAIL() << "a broken file with unreadable = error must stop the run";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken.png"));
    EXPECT_THAT(e.what(), HasSubstr("unreadable = \"skip\""));
  }
}

TEST_F(ImageFolderTest, AFolderWithoutImagesIsAUserError) {
  fs::create_directories(dir_ / "empty");
  EXPECT_THROW(NodeHarness(registry_, "data.image_folder", {{"dir", (dir_ / "empty").string()}}), UserError);
  EXPECT_THROW(NodeHarness(registry_, "data.image_folder", {{"dir", (dir_ / "missing").string()}}), UserError);
}

TEST_F(ImageFolderTest, FileListReadsPathsRelativeToItsFolderInOrder) {
  std::ofstream(dir_ / "list.txt") << "sub/c.PNG\n\nb.png  \na.png\n";
  NodeHarness list(registry_, "data.file_list", {{"list", (dir_ / "list.txt").string()}, {"batch", std::int64_t{3}}});
  auto outputs = list.process(0);
  std::vector<int> reds;
  for (const auto& image : batch_of(outputs).images) reds.push_back(image.pixels[0]);
  EXPECT_EQ(reds, (std::vector<int>{30, 20, 10}));
  EXPECT_TRUE(list.process(1).empty());
}

// IDX files: 5 images of 2x3, pixel values 10·i + k, labels 0 1 2 1 0.
class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("munit_idx_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string images = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3};
    for (int i = 0; i < 5; ++i)
      for (int k = 0; k < 6; ++k) images.push_back(static_cast<char>(10 * i + k));
    std::ofstream(dir_ / "images.idx", std::ios::binary) << images;
    std::ofstream(dir_ / "labels.idx", std::ios::binary) << std::string{0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 2, 1, 0};
    gzFile gz = gzopen((dir_ / "images.idx.gz").string().c_str(), "wb");
    gzwrite(gz, images.data(), static_cast<unsigned>(images.size()));
    gzclose(gz);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Registry registry_ = Registry::with_builtins();
  fs::path dir_;
};

TEST_F(IdxTest, ReadsRawAndGzippedImagesOfChosenClasses) {
  for (const char* file : {"images.idx", "images.idx.gz"}) {
    NodeHarness idx(registry_, "data.idx",
                    {{"images", (dir_ / file).string()}, {"labels", (dir_ / "labels.idx").string()},
                     {"classes", std::string("1, 2")}, {"batch", std::int64_t{2}}});
    auto outputs = idx.process(0);
    const ImageBatch& batch = batch_of(outputs);
    ASSERT_EQ(batch.images.size(), 2u) << file;
    EXPECT_EQ(batch.images[0].height, 2);
    EXPECT_EQ(batch.images[0].width, 3);
    EXPECT_EQ(batch.images[0].channels, 1);
    EXPECT_EQ(batch.images[0].pixels, (std::vector<std::uint8_t>{10, 11, 12, 13, 14, 15})) << "image 1: class 1";
    EXPECT_EQ(batch.images[1].pixels[0], 20) << "image 2: class 2";
    EXPECT_EQ(batch_of(idx.process(1)).images.at(0).pixels[0], 30) << "image 3: class 1";
    EXPECT_TRUE(idx.process(2).empty());
  }
}

TEST_F(IdxTest, BadFilesAndClassesWithoutLabelsAreUserErrors) {
  const std::string images = (dir_ / "images.idx").string();
  EXPECT_THROW(NodeHarness(registry_, "data.idx", {{"images", images}, {"classes", std::string("1")}}), UserError);
  EXPECT_THROW(NodeHarness(registry_, "data.idx", {{"images", (dir_ / "labels.idx").string()}}), UserError)
      << "a 1-dimensional file is not images";
  EXPECT_THROW(NodeHarness(registry_, "data.idx", {{"images", images}, {"labels", (dir_ / "labels.idx").string()},
                                                   {"classes", std::string("7")}}),
               UserError);
  EXPECT_THROW(NodeHarness(registry_, "data.idx", {{"images", images}, {"classes", std::string("x")}}), UserError);
}

TEST(FashionMnistTest, DebianPackageFootwearClasses) {
  const fs::path root = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(root / "train-images-idx3-ubyte.gz")) {
    if (running_in_ci()) FAIL() << "dataset-fashion-mnist is not installed (scripts/install-deps.sh installs it)";
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  Registry registry = Registry::with_builtins();
  NodeHarness shoes(registry, "data.idx",
                    {{"images", (root / "t10k-images-idx3-ubyte.gz").string()},
                     {"labels", (root / "t10k-labels-idx1-ubyte.gz").string()},
                     {"classes", std::string("5,7,9")}, {"batch", std::int64_t{1000}}});
  int images = 0;
  for (int f = 0; f < 10; ++f) {
    auto outputs = shoes.process(f);
    if (outputs.empty()) break;
    images += static_cast<int>(batch_of(outputs).images.size());
    EXPECT_EQ(batch_of(outputs).images[0].height, 28);
  }
  EXPECT_EQ(images, 3000) << "1000 test images per class";
}

}  // namespace
}  // namespace munit::testing
