// Reliability of what users feed munit (issue 16): output names unique per input, counts bounded
// by the machine, oversized images refused, symlink loops skipped, clear exit-2 messages instead
// of LibTorch ones, and signals that stop a run with 128 + the signal's number.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/command.h"
#include "../support/fixtures.h"
#include "../support/scratch_dir.h"
#include "nodes/data/read_image.h"
#include "nodes/munit/config.h"
#include "nodes/munit/input_size.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Every file below `dir`, as paths relative to it, sorted.
std::vector<std::string> files_below(const fs::path& dir) {
  std::vector<std::string> names;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.is_regular_file()) names.push_back(entry.path().lexically_relative(dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

class Inputs : public ::testing::Test {
 protected:
  void SetUp() override { MUNIT_REQUIRE_FIXTURE(fixture / "gen.pt"); }

  CommandResult translate(const std::string& arguments) {
    return munit("--log-level warn translate --checkpoint " + (fixture / "gen.pt").string() + " --config " +
                 (fixture / "config.yaml").string() + " " + arguments);
  }
  std::string in_out() const { return "--input " + (dir / "in").string() + " --output " + (dir / "out").string(); }

  // A random RGB image of width x height at dir/in/name (folders created).
  fs::path image(const std::string& name, int width = 32, int height = 32) {
    const fs::path path = dir / "in" / name;
    fs::create_directories(path.parent_path());
    cv::Mat pixels(height, width, CV_8UC3);
    cv::randu(pixels, 0, 256);
    cv::imwrite(path.string(), pixels);
    return path;
  }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }

  fs::path fixture = fixtures_dir() / "official-small";
  ScratchDir scratch{"munit_inputs"};
  fs::path dir = scratch.path();
};

// Item 3: one file name in several subfolders gives one output each, in the same subfolders.
TEST_F(Inputs, SameNamesInSubfoldersKeepTheirSubfolderUnderTheOutput) {
  for (const char* sub : {"d1", "d2", "d3"}) image(std::string(sub) + "/same.png");
  auto result = translate(in_out() + " --overwrite");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(files_below(dir / "out"),
            (std::vector<std::string>{"d1/same_random0.png", "d2/same_random0.png", "d3/same_random0.png"}));
}

// Item 3: two inputs that would write one file are refused before anything runs, naming both.
TEST_F(Inputs, TwoInputsMappingToOneOutputNameAreRefusedNamingBoth) {
  image("a.png");
  image("a.jpg");
  auto result = translate(in_out() + " --overwrite");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("a.png"));
  EXPECT_THAT(result.output, HasSubstr("a.jpg"));
  EXPECT_TRUE(files_below(dir / "out").empty());
}

// Item 3, in a pipeline: a writer never writes one name twice in a run.
TEST_F(Inputs, AWriterRefusesTwoImagesOfOneName) {
  image("a.png");
  image("a.jpg");
  const std::string pipeline = write("p.toml", "[nodes.images]\nkind = \"data.image_folder\"\ndir = \"in\"\n"
                                               "[nodes.write]\nkind = \"io.image_writer\"\nin = \"images.out\"\n"
                                               "dir = \"out\"\noverwrite = true\n");
  auto result = munit("--log-level warn run " + pipeline);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("a.png"));
  EXPECT_THAT(result.output, HasSubstr("a.jpg"));
}

// Item 5: counts a user sets are bounded by what the machine can do, naming the file and key.
TEST_F(Inputs, CountsBeyondTheMachineAreRefusedNamingTheKeyAndBound) {
  const std::string nodes = "[nodes.images]\nkind = \"data.pattern\"\ncount = 2\n";
  for (const char* setting : {"threads = 100000", "compute_lanes = 100000", "intra_op_threads = 100000",
                              "frames_in_flight = 100000"}) {
    const std::string pipeline = write("p.toml", std::string("[pipeline]\n") + setting + "\n" + nodes);
    auto result = munit("validate " + pipeline);
    EXPECT_EQ(result.exit_code, 2) << setting << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("p.toml:2:")) << setting;
    EXPECT_THAT(result.output, HasSubstr("at most")) << setting;
  }
  const std::string batch = write("b.toml", "[nodes.images]\nkind = \"data.image_folder\"\ndir = \".\"\nbatch = 5000\n");
  auto refused = munit("validate " + batch);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("[1, 4096]"));
  image("a.png");
  auto size = translate(in_out() + " --size 5000");
  EXPECT_EQ(size.exit_code, 2) << size.output;
  EXPECT_THAT(size.output, HasSubstr("--size"));
}

// Item 8: an image whose resized size passes the limit is refused before resizing, quickly. (KILL:
// munit takes SIGTERM as a clean stop, which waits for the resize in progress.)
TEST_F(Inputs, ImagesTooLargeOnceResizedAreRefusedBeforeResizing) {
  image("wide.png", 100000, 2);
  auto result = run_command("timeout -s KILL 30 " + std::string(MUNIT_BINARY) + " --log-level warn translate --checkpoint " +
                            (fixture / "gen.pt").string() + " --config " + (fixture / "config.yaml").string() + " " +
                            in_out());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("wide.png"));
  EXPECT_THAT(result.output, HasSubstr("pixels"));
}

// Item 8: a decoded image over the pixel limit counts as unreadable (skipped or refused by policy).
TEST_F(Inputs, DecodedImagesOverThePixelLimitAreUnreadable) {
  const fs::path path = dir / "huge.png";
  cv::imwrite(path.string(), cv::Mat::zeros(8200, 8200, CV_8UC1));  // 67 M pixels, a small file
  data::ReadImage read = data::read_image(path.string(), data::Channels::Gray);
  EXPECT_FALSE(read.image.has_value());
  EXPECT_THAT(read.why, HasSubstr("pixels"));
}

// Item 9: a symlink loop is skipped with a warning naming it, so is a dangling link; the rest runs.
TEST_F(Inputs, SymlinkLoopsAndDanglingLinksAreSkippedWithAWarning) {
  image("img.png");
  image("sub/other.png");
  fs::create_directory_symlink(dir / "in", dir / "in" / "sub" / "up");  // a loop: sub/up/sub/up/...
  fs::create_symlink(dir / "in" / "self.png", dir / "in" / "self.png");  // resolves to itself
  fs::create_symlink(dir / "nowhere.png", dir / "in" / "dangling.png");
  auto result = translate(in_out());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("symlink loop"));
  EXPECT_THAT(result.output, HasSubstr("up'"));
  EXPECT_THAT(result.output, HasSubstr("self.png"));
  EXPECT_THAT(result.output, HasSubstr("dangling symlink"));
  EXPECT_THAT(result.output, HasSubstr("dangling.png"));
  EXPECT_EQ(files_below(dir / "out"), (std::vector<std::string>{"img_random0.png", "sub/other_random0.png"}));
}

// Item 10: a size the generator cannot take is refused with the smallest one it accepts.
TEST_F(Inputs, SizesTooSmallForTheGeneratorAreRefusedWithTheSmallest) {
  const model::MunitConfig config = model::load_config(fixture / "config.yaml");
  const std::int64_t smallest = model::smallest_image_side(config.gen_a);
  EXPECT_EQ(smallest, 16);  // four stride-2 convolutions of the style encoder, each padding by 1
  image("a.png");
  auto result = translate(in_out() + " --size 1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("--size 1"));
  EXPECT_THAT(result.output, HasSubstr("at least 16"));
  EXPECT_THAT(result.output, Not(HasSubstr("Padding size")));
  auto works = translate(in_out() + " --size 16");
  EXPECT_EQ(works.exit_code, 0) << works.output;
}

// Item 10: images of several sizes in one batch: the file and the fix are named.
TEST_F(Inputs, MixedSizesInABatchNameTheFileAndTheFix) {
  image("a.png", 32, 32);
  image("b.png", 48, 32);
  auto result = translate(in_out() + " --batch 2");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("b.png"));
  EXPECT_THAT(result.output, HasSubstr("--batch 1"));
}

// Item 10: a folder where no image could be read is an error, not "wrote 0 images".
TEST_F(Inputs, AFolderWithNoReadableImageIsAnError) {
  fs::create_directories(dir / "in");
  write("in/a.png", "not a png");
  write("in/b.png", "not a png");
  auto result = translate(in_out());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("none of the 2 image files could be read"));
}

// Item 10: style codes must be finite numbers a float holds; the file and line are named.
TEST_F(Inputs, StyleFilesWithNonFiniteOrHugeCodesAreRefused) {
  image("a.png");
  const std::string zeros = "0 0 0 0 0 0 0 0\n";
  const std::string nan = write("nan.txt", zeros + "nan 0 0 0 0 0 0 0\n");
  auto refused = translate(in_out() + " --style " + nan);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("nan.txt:2"));
  EXPECT_THAT(refused.output, HasSubstr("finite"));
  const std::string inf = write("inf.txt", "0 0 0 -inf 0 0 0 0\n");
  EXPECT_EQ(translate(in_out() + " --style " + inf).exit_code, 2);
  const std::string huge = write("huge.txt", "1e308 0 0 0 0 0 0 0\n");
  auto out_of_range = translate(in_out() + " --style " + huge);
  EXPECT_EQ(out_of_range.exit_code, 2) << out_of_range.output;
  EXPECT_THAT(out_of_range.output, HasSubstr("huge.txt:1"));
  EXPECT_THAT(out_of_range.output, HasSubstr("out of range"));
  EXPECT_TRUE(files_below(dir / "out").empty());
}

}  // namespace
}  // namespace munit::testing
