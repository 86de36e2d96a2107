// `munit translate` and pipelines/infer/ end to end, with the official-small fixture's generator:
// the official reference-guided output to within one 8-bit level, seeds, naming, bad input (exit
// code 2, nothing partial left) and flat memory over many images.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/command.h"
#include "../support/cuda.h"
#include "../support/fixtures.h"
#include "../support/image_files.h"
#include "../support/scratch_dir.h"

namespace munit::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class Translate : public ::testing::Test {
 protected:
  void SetUp() override { MUNIT_REQUIRE_FIXTURE(fixture / "translate" / "expected.png"); }

  std::string model() const {
    return " --checkpoint " + (fixture / "gen.pt").string() + " --config " + (fixture / "config.yaml").string();
  }
  CommandResult translate(const std::string& arguments) { return munit("--log-level warn translate" + model() + " " + arguments); }

  // `count` distinct 32x32 RGB images in dir/name.
  fs::path images(const std::string& name, int count) { return write_random_images(dir / name, count); }

  fs::path fixture = fixtures_dir() / "official-small";
  ScratchDir scratch{"munit_translate"};
  fs::path dir = scratch.path();
};

// Must-show 1: the official networks' encode/decode of the fixture's input under its reference's
// style, through 8-bit files, within one level per pixel.
TEST_F(Translate, ReferenceStyleReproducesTheOfficialOutput) {
  fs::create_directories(dir / "in");
  fs::copy_file(fixture / "translate" / "input.png", dir / "in" / "input.png");
  auto result = translate("--input " + (dir / "in").string() + " --output " + (dir / "out").string() + " --style " +
                          (fixture / "translate" / "reference.png").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ASSERT_EQ(names_in(dir / "out"), std::vector<std::string>{"input_reference.png"});
  cv::Mat ours = cv::imread((dir / "out" / "input_reference.png").string(), cv::IMREAD_UNCHANGED);
  cv::Mat official = cv::imread((fixture / "translate" / "expected.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(ours.size(), official.size());
  ASSERT_EQ(ours.type(), official.type());
  cv::Mat difference;
  cv::absdiff(ours, official, difference);
  double worst = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
  EXPECT_LE(worst, 1.0);
  // A single input file works as well as a folder.
  auto single = translate("--input " + (dir / "in" / "input.png").string() + " --output " + (dir / "one").string() +
                          " --style " + (fixture / "translate" / "reference.png").string());
  ASSERT_EQ(single.exit_code, 0) << single.output;
  EXPECT_EQ(read_bytes(dir / "one" / "input_reference.png"), read_bytes(dir / "out" / "input_reference.png"));
  // NHWC batches and weights: the same image up to float rounding.
  auto nhwc = translate("--input " + (dir / "in").string() + " --output " + (dir / "nhwc").string() + " --style " +
                        (fixture / "translate" / "reference.png").string() + " --channels-last");
  ASSERT_EQ(nhwc.exit_code, 0) << nhwc.output;
  cv::absdiff(cv::imread((dir / "nhwc" / "input_reference.png").string(), cv::IMREAD_UNCHANGED), official, difference);
  cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
  EXPECT_LE(worst, 1.0);
}

// --config may name a munit pipeline: the YAML its generator imports, here through [pipeline] config.
TEST_F(Translate, ConfigFromAPipelinesImport) {
  const fs::path in = images("in", 2);
  const std::string pipeline = (dir / "p.toml").string();
  std::ofstream(pipeline) << "[pipeline]\nconfig = \"" << (fixture / "config.yaml").string()
                          << "\"\n[models.g]\nkind = \"munit.generator\"\ndomain = \"a\"\n"
                          << "[nodes.i]\nkind = \"data.pattern\"\n";
  auto result = munit("--log-level warn translate --checkpoint " + (fixture / "gen.pt").string() + " --config " +
                      pipeline + " --input " + in.string() + " --output " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;  // the fixture's small network, not the edges2shoes one
  EXPECT_EQ(names_in(dir / "out").size(), 2u);
}

// Inputs are converted to the model's channels and resized as the official test script does: a
// gray 64x48 file through the RGB fixture model gives an RGB image with the shorter side at 32.
// On a GPU host: the official output in fp32 (contiguous and channels_last, a batch of one and a
// whole batch per network call); bf16 close to it.
TEST_F(Translate, ReferenceStyleReproducesTheOfficialOutputOnCuda_CUDA) {
  MUNIT_REQUIRE_CUDA();
  fs::create_directories(dir / "in");
  for (int copy = 0; copy < 3; ++copy)
    fs::copy_file(fixture / "translate" / "input.png", dir / "in" / ("input" + std::to_string(copy) + ".png"));
  cv::Mat official = cv::imread((fixture / "translate" / "expected.png").string(), cv::IMREAD_UNCHANGED);
  const std::vector<std::string> variants = {"", "--channels-last", "--batch 3", "--precision bf16 --batch 3 --channels-last"};
  for (std::size_t v = 0; v < variants.size(); ++v) {
    const std::string& flags = variants[v];
    const fs::path out = dir / ("out" + std::to_string(v));
    auto result = translate("--device cuda --input " + (dir / "in").string() + " --output " + out.string() +
                            " --style " + (fixture / "translate" / "reference.png").string() + " " + flags);
    ASSERT_EQ(result.exit_code, 0) << flags << "\n" << result.output;
    for (int copy = 0; copy < 3; ++copy) {
      cv::Mat ours = cv::imread((out / ("input" + std::to_string(copy) + "_reference.png")).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(ours.size(), official.size()) << flags;
      cv::Mat difference;
      cv::absdiff(ours, official, difference);
      double worst = 0;
      cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
      const double mean = cv::mean(difference.reshape(1))[0];
      std::printf("cuda %s: max %.0f, mean %.3f levels from the official output\n", flags.c_str(), worst, mean);
      if (flags.find("bf16") == std::string::npos) EXPECT_LE(worst, 1.0) << flags;
      else EXPECT_LT(mean, 4.0) << flags;
    }
  }
}

TEST_F(Translate, GrayAndOtherSizedInputsAreConvertedAndResized) {
  fs::create_directories(dir / "in");
  cv::Mat gray(48, 64, CV_8UC1);
  cv::randu(gray, 0, 256);
  cv::imwrite((dir / "in" / "gray.png").string(), gray);
  auto result = translate("--input " + (dir / "in").string() + " --output " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  cv::Mat out = cv::imread((dir / "out" / "gray_random0.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.channels(), 3);
  EXPECT_EQ(out.rows, 32);
  // Resized to 42 wide (64 * 32 / 48, rounded down as torchvision's Resize); the networks then give
  // 40, as the official ones do: two stride-2 convolutions take 42 to 21 to 10, two 2x upsamplings to 40.
  EXPECT_EQ(out.cols, 40);
}

// Must-show 2: the same seed gives the same files, another seed other files; an image's styles do
// not depend on the batch it is in.
TEST_F(Translate, SeedsDecideTheRandomStyles) {
  const std::string in = images("in", 5).string();
  auto run = [&](const std::string& out, const std::string& extra) {
    auto result = translate("--input " + in + " --output " + (dir / out).string() + " --styles 3 " + extra);
    EXPECT_EQ(result.exit_code, 0) << result.output;
  };
  run("a", "--seed 7");
  run("b", "--seed 7 --batch 2");
  run("c", "--seed 8");
  const auto files = names_in(dir / "a");
  ASSERT_EQ(files.size(), 15u);
  EXPECT_EQ(files.front(), "img00000_random0.png");
  EXPECT_EQ(names_in(dir / "b"), files);
  EXPECT_EQ(names_in(dir / "c"), files);
  int differing = 0;
  for (const auto& file : files) {
    EXPECT_EQ(read_bytes(dir / "a" / file), read_bytes(dir / "b" / file)) << file;
    differing += read_bytes(dir / "a" / file) != read_bytes(dir / "c" / file);
  }
  EXPECT_EQ(differing, 15);
  // The styles of one input differ from each other.
  EXPECT_NE(read_bytes(dir / "a" / "img00000_random0.png"), read_bytes(dir / "a" / "img00000_random1.png"));
  // --same-styles: every input under the same 3 styles (the official --synchronized).
  run("d", "--seed 7 --same-styles --sheets " + (dir / "sheets").string());
  EXPECT_EQ(names_in(dir / "d"), files);
  EXPECT_EQ(names_in(dir / "sheets").size(), 5u);
}

TEST_F(Translate, ReferenceFoldersPairAllOrByName) {
  const std::string in = images("in", 2).string();
  fs::create_directories(dir / "refs");
  for (const char* name : {"img00000.png", "img00001.png", "other.png"})
    fs::copy_file(fixture / "translate" / "reference.png", dir / "refs" / name);
  auto all = translate("--input " + in + " --output " + (dir / "all").string() + " --style " + (dir / "refs").string());
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_EQ(names_in(dir / "all").size(), 6u);
  EXPECT_THAT(names_in(dir / "all"), ::testing::Contains("img00001_other.png"));
  auto named = translate("--input " + in + " --output " + (dir / "named").string() + " --pair name --style " +
                         (dir / "refs").string());
  ASSERT_EQ(named.exit_code, 0) << named.output;
  EXPECT_EQ(names_in(dir / "named"), (std::vector<std::string>{"img00000_ref.png", "img00001_ref.png"}));
  // Same reference image, same content: the same pixels whichever way the pairing went.
  EXPECT_EQ(read_bytes(dir / "named" / "img00001_ref.png"), read_bytes(dir / "all" / "img00001_other.png"));
}

TEST_F(Translate, StyleFilesGiveTheirCodes) {
  const std::string in = images("in", 1).string();
  std::ofstream(dir / "codes.txt") << "# two codes\n0 0 0 0 0 0 0 0\n1, -1, 0.5, 0, 0, 2, 0, 0\n";
  auto result = translate("--input " + in + " --output " + (dir / "out").string() + " --style " + (dir / "codes.txt").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(names_in(dir / "out"), (std::vector<std::string>{"img00000_codes0.png", "img00000_codes1.png"}));
  std::ofstream(dir / "short.txt") << "1 2 3\n";
  auto wrong = translate("--input " + in + " --output " + (dir / "bad").string() + " --style " + (dir / "short.txt").string());
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.output, HasSubstr("the model needs [8]"));
}

// Bad input: a clear message, exit code 2, and no output file.
TEST_F(Translate, BadInputIsRefusedWithExitCode2) {
  const std::string in = images("in", 2).string();
  const std::string out = (dir / "out").string();
  struct Case {
    std::string arguments, message;
  };
  fs::create_directories(dir / "empty");
  std::ofstream(dir / "file") << "not a folder";
  {
    std::string yaml = read_bytes(fixture / "config.yaml");
    yaml.replace(yaml.find("  dim: 16"), 9, "  dim: 32");
    std::ofstream(dir / "bigger.yaml") << yaml;
  }
  const std::vector<Case> cases = {
      {"--input " + in + " --output " + out + " --style " + (dir / "empty").string(), "found no images in"},
      {"--input " + (dir / "empty").string() + " --output " + out, "found no images in"},
      {"--input " + (dir / "nothing").string() + " --output " + out, "does not exist"},
      {"--input " + in + " --output " + out + " --styles 0", "--styles"},
      {"--input " + in + " --output " + (dir / "file" / "out").string(), "cannot create the folder"},
      {"--input " + in + " --output " + out + " --style " + (dir / "missing.png").string(), "neither \"random\" nor"},
  };
  for (const auto& c : cases) {
    auto result = translate(c.arguments);
    EXPECT_EQ(result.exit_code, 2) << c.arguments << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr(c.message)) << c.arguments;
    EXPECT_TRUE(names_in(dir / "out").empty()) << c.arguments;
  }
  auto no_checkpoint = munit("translate --checkpoint " + (dir / "gen.pt").string() + " --config " +
                             (fixture / "config.yaml").string() + " --input " + in + " --output " + out);
  EXPECT_EQ(no_checkpoint.exit_code, 2);
  EXPECT_THAT(no_checkpoint.output, HasSubstr("the checkpoint"));
  auto no_config = munit("translate --checkpoint " + (fixture / "gen.pt").string() + " --config " +
                         (dir / "none.yaml").string() + " --input " + in + " --output " + out);
  EXPECT_EQ(no_config.exit_code, 2);
  EXPECT_THAT(no_config.output, HasSubstr("the config"));
  auto mismatch = munit("translate --checkpoint " + (fixture / "gen.pt").string() + " --config " +
                        (dir / "bigger.yaml").string() + " --input " + in + " --output " + out);
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_THAT(mismatch.output, HasSubstr("does not fit the configured model"));
  EXPECT_TRUE(names_in(dir / "out").empty());

  // An output that exists is kept unless --overwrite.
  ASSERT_EQ(translate("--input " + in + " --output " + out).exit_code, 0);
  auto again = translate("--input " + in + " --output " + out);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.output, HasSubstr("exists already"));
  EXPECT_EQ(translate("--input " + in + " --output " + out + " --overwrite").exit_code, 0);
}

TEST_F(Translate, UnreadableInputsAreSkippedAndCountedOrRefused) {
  const fs::path in = images("in", 5);
  std::ofstream(in / "img00002.png") << "not a png";
  std::ofstream(in / "img00003.png") << "not a png";
  const std::vector<std::string> readable = {"img00000_random0.png", "img00001_random0.png", "img00004_random0.png"};
  auto skipped = munit("translate" + model() + " --input " + in.string() + " --output " + (dir / "out").string());
  ASSERT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_THAT(skipped.output, HasSubstr("skipped 2 unreadable file(s) of 5"));
  EXPECT_EQ(names_in(dir / "out"), readable);
  // Batches of 2: the second batch holds only unreadable files and is skipped whole.
  auto whole_batch = translate("--input " + in.string() + " --output " + (dir / "b2").string() + " --batch 2");
  ASSERT_EQ(whole_batch.exit_code, 0) << whole_batch.output;
  EXPECT_EQ(names_in(dir / "b2"), readable);
  auto refused = translate("--input " + in.string() + " --output " + (dir / "refused").string() + " --unreadable error");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.output, HasSubstr("cannot read image"));
  for (const auto& name : names_in(dir / "refused")) EXPECT_EQ(name.find("img00002"), std::string::npos);
}

// Must-show 3: memory stays flat: frames in flight are bounded, nothing accumulates per image.
TEST_F(Translate, PeakMemoryDoesNotGrowWithTheNumberOfImages) {
  auto peak = [&](int count) {
    const std::string in = images("in" + std::to_string(count), count).string();
    auto result = munit("translate" + model() + " --input " + in + " --output " + (dir / ("out" + std::to_string(count))).string() +
                        " --batch 8 --styles 2");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(names_in(dir / ("out" + std::to_string(count))).size(), static_cast<std::size_t>(2 * count));
    std::smatch match;
    EXPECT_TRUE(std::regex_search(result.output, match, std::regex("peak memory (\\d+) MiB"))) << result.output;
    return match.empty() ? 0.0 : std::stod(match[1]);
  };
  const double small = peak(200), large = peak(2000);
  std::cout << "peak memory: 200 images " << small << " MiB, 2000 images " << large << " MiB\n";
  EXPECT_GT(small, 0);
  EXPECT_LE(large, small * 1.10);
}

// Every pipeline of pipelines/infer/ runs as shipped but for its paths: the fixture's model, a
// generated folder, and the 32-pixel size of the fixture's config.
TEST_F(Translate, ShippedInferencePipelinesRun) {
  const std::string in = images("in", 3).string();
  int count = 0;
  for (const auto& entry : fs::directory_iterator(std::string(MUNIT_SOURCE_DIR) + "/pipelines/infer")) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    const std::string name = entry.path().stem().string();
    std::string sets;
    for (const char* model : {"encoder", "decoder"})
      sets += std::string(" --set models.") + model + ".checkpoint=" + (fixture / "gen.pt").string() + " --set models." +
              model + ".config=" + (fixture / "config.yaml").string();
    sets += " --set nodes.images.dir=" + in + " --set nodes.resized.size=32 --set nodes.write.dir=" +
            (dir / name).string() + " --set nodes.sheet.dir=" + (dir / (name + "_sheets")).string();
    if (name == "reference") sets += " --set nodes.style.path=" + (fixture / "translate" / "reference.png").string();
    auto result = munit("--log-level warn run " + entry.path().string() + sets);
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.output;
    EXPECT_FALSE(names_in(dir / name).empty()) << name;
    EXPECT_EQ(names_in(dir / (name + "_sheets")).size(), 1u) << name;
  }
  EXPECT_EQ(count, 4);
  EXPECT_EQ(names_in(dir / "interpolate").size(), 3u * 8u);
  EXPECT_EQ(names_in(dir / "style_file").size(), 3u * 2u);
}

TEST_F(Translate, PrintsTheEquivalentPipeline) {
  auto printed = translate("--input " + dir.string() + " --output " + (dir / "out").string() +
                           " --print-pipeline --direction b2a --styles 4");
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  // toml++ writes the table: keys sorted, strings in single quotes.
  EXPECT_THAT(printed.output, HasSubstr("kind = 'style.prior'"));
  EXPECT_THAT(printed.output, HasSubstr("per_input = 4"));
  EXPECT_THAT(printed.output, ContainsRegex("\\[models\\.encoder\\][^[]*domain = 'b'"));
  EXPECT_THAT(printed.output, ContainsRegex("\\[models\\.encoder\\][^[]*kind = 'munit.generator'"));
  std::ofstream(dir / "printed.toml") << printed.output;
  EXPECT_EQ(munit("validate " + (dir / "printed.toml").string()).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace munit::testing
