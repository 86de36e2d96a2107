// The munit command end to end: exit codes (0 ok, 2 bad input, 1 failed run), messages, and
// every pipeline shipped in pipelines/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../support/background.h"
#include "../support/command.h"
#include "../support/fixtures.h"
#include "../support/image_files.h"
#include "../support/scratch_dir.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) { return scratch.write(name, text); }

  ScratchDir scratch{"munit_cli"};
  fs::path dir = scratch.path();
};

TEST_F(CliTest, VersionAndHelp) {
  auto version = munit("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("munit 0."));
  for (const char* command : {"--help", "run --help", "validate --help", "graph --help", "nodes --help"}) {
    auto help = munit(command);
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_THAT(help.output, HasSubstr("Usage")) << command;
  }
}

TEST_F(CliTest, BadArgumentsExitWith2) {
  EXPECT_EQ(munit("").exit_code, 2);
  EXPECT_EQ(munit("frobnicate").exit_code, 2);
  EXPECT_EQ(munit("run /nonexistent.toml").exit_code, 2);
  EXPECT_EQ(munit("graph " + std::string(MUNIT_SOURCE_DIR) + "/pipelines/demo/shapes.toml --format svg").exit_code, 2);
  auto unknown = munit("nodes augment.flp");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown node kind 'augment.flp'"));
}

struct BadInput {
  const char* name;
  const char* toml;
  const char* message;
};

const std::string kImages = "[nodes.images]\nkind = \"data.pattern\"\ncount = 4\n";

// Every bad-input case of the engine, through the command line.
TEST_F(CliTest, EveryBadInputCaseExitsWith2AndSaysWhy) {
  std::ofstream(dir / "text.so") << "not a library\n";
  const std::vector<BadInput> cases = {
      {"malformed TOML", "[nodes.a]\nkind = \"data.pattern\"\ncount = = 3\n", "bad.toml:3:9: malformed TOML"},
      {"unknown kind", "[nodes.a]\nkind = \"data.patern\"\n", "unknown node kind 'data.patern' (did you mean 'data.pattern'?)"},
      {"unknown key", "[nodes.a]\nkind = \"data.pattern\"\ncuont = 3\n", "bad.toml:3:9: node 'a' (data.pattern): unknown key 'cuont' (did you mean 'count'?)"},
      {"wrong type", "[nodes.a]\nkind = \"data.pattern\"\ngray = 1\n", "param 'gray': expected a bool (true or false), got the integer 1"},
      {"out of range", "[nodes.a]\nkind = \"data.pattern\"\nsize = 2\n", "param 'size': value 2 is out of range: must be [8, 4096]"},
      {"missing node", "[nodes.f]\nkind = \"augment.flip\"\nin = \"nowhere.out\"\n", "bad.toml:3:6: node 'f' (augment.flip) → input 'in': no node named 'nowhere'"},
      {"missing port", "[nodes.a]\nkind = \"data.pattern\"\n[nodes.f]\nkind = \"augment.flip\"\nin = \"a.image\"\n", "node 'a' (data.pattern) has no output 'image'"},
      {"kind mismatch", "[nodes.a]\nkind = \"data.pattern\"\n[nodes.f]\nkind = \"augment.flip\"\nin = \"a.done\"\n", "'a.done' is signal, but this input takes image"},
      {"input not connected", "[nodes.f]\nkind = \"augment.flip\"\n", "required input 'in' (image) is not connected"},
      {"cycle", "[nodes.a]\nkind = \"augment.flip\"\nin = \"b.out\"\n[nodes.b]\nkind = \"augment.flip\"\nin = \"a.out\"\n", "the graph has a cycle: a → b → a"},
      {"plugin missing", "[plugins]\nmine = \"./missing/libmine.so\"\n[nodes.a]\nkind = \"data.pattern\"\n", "bad.toml:2:8: [plugins] → mine: plugin file not found"},
      {"not a plugin (text)", "[plugins]\nmine = \"text.so\"\n[nodes.a]\nkind = \"data.pattern\"\n", "cannot be loaded as a shared library"},
      {"not a plugin (library)", "[plugins]\nmine = \"" MUNIT_NOT_A_PLUGIN "\"\n[nodes.a]\nkind = \"data.pattern\"\n", "exports no 'munit_plugin' entry point"},
      {"other ABI", "[plugins]\nmine = \"" MUNIT_ABI_MISMATCH_PLUGIN "\"\n[nodes.a]\nkind = \"data.pattern\"\n", "was built for munit ABI 99."},  // the numbers: PluginTest.OtherAbiVersion
      {"duplicate kind", "[plugins]\nmine = \"" MUNIT_DUPLICATE_KIND_PLUGIN "\"\n[nodes.a]\nkind = \"data.pattern\"\n", "node kind 'augment.flip' from plugin '" MUNIT_DUPLICATE_KIND_PLUGIN "' is already registered by built-in"},
  };
  for (const auto& bad : cases) {
    std::string file = write("bad.toml", bad.toml);
    for (const char* command : {"validate", "run", "graph"}) {
      auto result = munit(std::string(command) + " " + file);
      EXPECT_EQ(result.exit_code, 2) << bad.name << " (" << command << "): " << result.output;
      EXPECT_THAT(result.output, HasSubstr(bad.message)) << bad.name << " (" << command << ")";
    }
  }
}

TEST_F(CliTest, RunWritesImagesAndSetOverridesValues) {
  std::string file = write("p.toml", kImages + "[nodes.save]\nkind = \"io.image_writer\"\nin = \"images.out\"\ndir = \"out\"\n");
  auto result = munit("run " + file + " --set nodes.images.count=3 --set nodes.images.batch=2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "pattern_000002.png"));
  EXPECT_FALSE(fs::exists(dir / "out" / "pattern_000003.png"));

  auto wrong = munit("run " + file + " --set nodes.images.count=three");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.output, HasSubstr("--set nodes.images.count=three: expected an integer"));
}

TEST_F(CliTest, FailedRunExitsWith1AndNamesNodeAndFrame) {
  std::string file = write("p.toml", kImages + "[nodes.crop]\nkind = \"augment.crop\"\nin = \"images.out\"\n"
                                               "width = 4096\nheight = 4096\n");
  auto failed = munit("run " + file);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.output, HasSubstr("node 'crop' (augment.crop) failed on frame 0:"));
}

// A node that finds the user's input at fault (here: an output that exists) fails the run with 2.
TEST_F(CliTest, ANodeRefusingTheInputExitsWith2) {
  std::string file = write("p.toml", kImages + "[nodes.save]\nkind = \"io.image_writer\"\nin = \"images.out\"\ndir = \"out\"\n");
  ASSERT_EQ(munit("run " + file).exit_code, 0);
  auto again = munit("run " + file);  // the files exist now and overwrite is false
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.output, HasSubstr("node 'save' (io.image_writer) failed on frame 0:"));
  EXPECT_THAT(again.output, HasSubstr("exists already (overwrite = true"));
}

TEST_F(CliTest, NodesListsPluginNodesWhenAsked) {
  auto without = munit("nodes");
  EXPECT_EQ(without.exit_code, 0);
  EXPECT_THAT(without.output, HasSubstr("augment.flip"));
  EXPECT_THAT(without.output, Not(HasSubstr("example.posterize")));

  auto with = munit("nodes --plugin " + std::string(MUNIT_EXAMPLE_PLUGIN));
  EXPECT_EQ(with.exit_code, 0);
  EXPECT_THAT(with.output, HasSubstr("example.posterize"));

  auto described = munit("nodes example.posterize --plugin " + std::string(MUNIT_EXAMPLE_PLUGIN));
  EXPECT_EQ(described.exit_code, 0);
  EXPECT_THAT(described.output, HasSubstr("levels (int) = 4  [range [2, 256]]"));

  auto json = munit("nodes --json --plugin " + std::string(MUNIT_EXAMPLE_PLUGIN) + " 2>/dev/null");
  ASSERT_EQ(json.exit_code, 0);
  auto kinds = nlohmann::json::parse(json.output);
  bool found = false;
  for (const auto& kind : kinds)
    if (kind["kind"] == "example.posterize") {
      found = true;
      EXPECT_EQ(kind["params"][0]["default"], 4);
      EXPECT_EQ(kind["origin"], MUNIT_EXAMPLE_PLUGIN);
    }
  EXPECT_TRUE(found);
}

TEST_F(CliTest, PipelineUsingThePluginRuns) {
  std::string file = write("p.toml", "[plugins]\nexample = \"" MUNIT_EXAMPLE_PLUGIN "\"\n" + kImages +
                                         "[nodes.poster]\nkind = \"example.posterize\"\nin = \"images.out\"\nlevels = 2\n"
                                         "[nodes.save]\nkind = \"io.image_writer\"\nin = \"poster.out\"\ndir = \"out\"\n");
  auto result = munit("run " + file);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "out"), fs::directory_iterator{}), 4);
}

TEST_F(CliTest, GraphRendersWithGraphviz) {
  if (run_command("command -v dot").exit_code != 0) {  // a GPU host has no Graphviz
    if (running_in_ci()) FAIL() << "Graphviz's dot is missing: scripts/install-deps.sh installs it";
    GTEST_SKIP() << "Graphviz's dot is missing (scripts/install-deps.sh installs it)";
  }
  const std::string demo = std::string(MUNIT_SOURCE_DIR) + "/pipelines/demo/shapes.toml";
  auto text = munit("graph " + demo);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.output, HasSubstr("flipped (augment.flip, parallel)"));
  const std::string png = (dir / "demo.png").string();
  auto rendered = run_command(std::string(MUNIT_BINARY) + " graph " + demo + " --format dot | dot -Tpng -o " + png);
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  std::ifstream in(png, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  EXPECT_GT(fs::file_size(png), 1000u);
}

// Every shipped pipeline validates and runs a couple of frames.
TEST_F(CliTest, EveryShippedPipelineValidatesAndRuns) {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(MUNIT_SOURCE_DIR) + "/pipelines")) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    const std::string file = entry.path().string();
    // The coloured-shoes demo trains on images scripts/styles_realism/make_data.py writes: stand-ins.
    std::string data;
    if (file.find("coloured_shoes") != std::string::npos)
      data = " --set nodes.images_a.dir=" + write_random_images(dir / "shoes_a", 2).string() +
             " --set nodes.images_b.dir=" + write_random_images(dir / "shoes_b", 2).string();
    auto validated = munit("validate " + file + data);
    // Inference pipelines name a trained generator, synthia2cityscape VGG16 weights: neither is
    // shipped, and validation says so before anything runs.
    if (file.find("/pipelines/infer/") != std::string::npos) {
      if (validated.exit_code != 0) {
        EXPECT_EQ(validated.exit_code, 2) << file << ": " << validated.output;
        EXPECT_THAT(validated.output, HasSubstr("param 'checkpoint': no checkpoint file")) << file;
      }
      continue;  // Translate.ShippedInferencePipelinesRun runs them with a checkpoint
    }
    if (file.find("synthia2cityscape") != std::string::npos) {
      EXPECT_EQ(validated.exit_code, 2) << file << ": " << validated.output;
      EXPECT_THAT(validated.output, HasSubstr("param 'weights': no VGG16 weights file")) << file;
      continue;
    }
    EXPECT_EQ(validated.exit_code, 0) << file << ": " << validated.output;
    // The official data sets are not shipped: OfficialConfigRunsOnAFolderInTheOfficialLayout runs one.
    if (file.find("/pipelines/train/official/") != std::string::npos) continue;
    // Training pipelines write checkpoints, samples and logs: into the scratch folder.
    std::string extra;
    if (file.find("/pipelines/train/") != std::string::npos || file.find("fashion_mnist") != std::string::npos ||
        !data.empty())
      extra = " --set nodes.save.dir=" + (dir / "ckpt").string() + " --set nodes.samples.dir=" + (dir / "images").string() +
              " --set nodes.log.path=" + (dir / "metrics.jsonl").string();
    auto ran = munit("run " + file + " --set pipeline.frames=2" + data + extra);
    EXPECT_EQ(ran.exit_code, 0) << file << ": " << ran.output;
  }
  EXPECT_GT(count, 6);
}

// pipelines/train/official/edges2shoes.toml as shipped but for sizes: a datasets/edges2shoes-like
// folder (trainA, trainB of JPEGs of odd sizes), the small networks, 2 iterations.
TEST_F(CliTest, OfficialConfigRunsOnAFolderInTheOfficialLayout) {
  for (const char* domain : {"trainA", "trainB"}) {
    fs::create_directories(dir / "edges2shoes" / domain);
    for (int i = 0; i < 3; ++i) {
      std::string pattern = write("p.toml", "[nodes.i]\nkind = \"data.pattern\"\ncount = 1\nsize = " +
                                                std::to_string(40 + 8 * i) + "\n[nodes.w]\nkind = \"io.image_writer\"\nin = \"i.out\"\n"
                                                "format = \"jpg\"\noverwrite = true\ndir = \"" +
                                                (dir / "edges2shoes" / domain).string() + "\"\nsuffix = \"_" + std::to_string(i) + "\"\n");
      ASSERT_EQ(munit("--log-level warn run " + pattern).exit_code, 0);
    }
  }
  const std::string small = std::string(MUNIT_SOURCE_DIR) + "/configs/bench_small.yaml";
  std::string sets;
  for (const char* resource : {"models.gen_a", "models.gen_b", "models.dis_a", "models.dis_b", "optimizers.gen", "optimizers.dis"})
    sets += std::string(" --set ") + resource + ".config=" + small;
  for (const char* d : {"a", "b"})
    sets += std::string(" --set nodes.images_") + d + ".dir=" + (dir / "edges2shoes" / (std::string("train") + (char)toupper(d[0]))).string() +
            " --set nodes.resize_" + d + ".size=36 --set nodes.crop_" + d + ".width=32 --set nodes.crop_" + d + ".height=32";
  sets += " --set nodes.save.dir=" + (dir / "ckpt").string() + " --set nodes.samples.dir=" + (dir / "images").string() +
          " --set nodes.log.path=" + (dir / "metrics.jsonl").string() + " --set nodes.log.every=1";
  auto ran = munit("run " + std::string(MUNIT_SOURCE_DIR) + "/pipelines/train/official/edges2shoes.toml --set pipeline.frames=2" + sets);
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_TRUE(fs::exists(dir / "ckpt" / "gen_00000002.pt"));
  EXPECT_TRUE(fs::exists(dir / "images" / "gen_a2b_train_00000002.jpg"));
  std::ifstream log(dir / "metrics.jsonl");
  std::string first;
  std::getline(log, first);
  auto line = nlohmann::json::parse(first);
  EXPECT_EQ(line["iteration"], 1);
  EXPECT_TRUE(line.contains("recon_x_a.raw")) << first;
}

TEST_F(CliTest, BenchReportsMedianThroughputMemoryAndNodeShares) {
  const std::string small = std::string(MUNIT_SOURCE_DIR) + "/configs/bench_small.yaml";
  std::string sets;
  for (const char* resource : {"models.gen_a", "models.gen_b", "models.dis_a", "models.dis_b"})
    sets += std::string(" --set ") + resource + ".config=" + small;
  sets += " --set nodes.images_a.size=32 --set nodes.images_b.size=32 --set nodes.images_a.batch=2 --set nodes.images_b.batch=2";
  sets += " --set nodes.save.dir=" + (dir / "ckpt").string() + " --set nodes.samples.dir=" + (dir / "images").string() +
          " --set nodes.log.path=" + (dir / "metrics.jsonl").string();
  auto bench = munit("--log-level warn bench " + std::string(MUNIT_SOURCE_DIR) + "/pipelines/train/munit_fused.toml" +
                     " --set pipeline.frames=0 --iterations 3 --warmup 1" + sets);
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_THAT(bench.output, HasSubstr("3 frames measured after 1 warm-up"));
  EXPECT_THAT(bench.output, HasSubstr("s/iteration"));
  EXPECT_THAT(bench.output, HasSubstr("at the mean (2 per iteration)"));
  EXPECT_THAT(bench.output, HasSubstr("peak memory"));
  EXPECT_THAT(bench.output, HasSubstr("step_gen"));
  // --sync-nodes makes each node wait for its GPU kernels (nothing to wait for on the CPU); --ops
  // lists the operators taking the most time, of which the convolutions come first in MUNIT.
  auto synced = munit("--log-level warn bench " + std::string(MUNIT_SOURCE_DIR) + "/pipelines/train/munit_fused.toml" +
                      " --set pipeline.frames=0 --iterations 2 --warmup 1 --sync-nodes --ops 3" + sets);
  ASSERT_EQ(synced.exit_code, 0) << synced.output;
  EXPECT_THAT(synced.output, HasSubstr("each node waiting for its GPU kernels"));
  EXPECT_THAT(synced.output, HasSubstr("operators by self time"));
  EXPECT_THAT(synced.output, ::testing::ContainsRegex("aten::[a-z_]*convolution[a-z_]* +[0-9.]+%"));
  auto too_few = munit("bench " + std::string(MUNIT_SOURCE_DIR) + "/pipelines/train/munit_fused.toml --iterations 5" + sets);
  EXPECT_EQ(too_few.exit_code, 2) << "the pipeline stops at frame 1: " << too_few.output;
}

TEST_F(CliTest, SigintStopsARunCleanly) {
  std::string file = write("endless.toml", "[pipeline]\nframes_in_flight = 2\n[nodes.images]\nkind = \"data.pattern\"\n"
                                           "count = 100000000\nbatch = 1\nsize = 256\n");
  Background run({MUNIT_BINARY, "run", file});
  ASSERT_TRUE(run.wait_for(kCtrlCHandled)) << run.output();
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(), 130) << run.output();  // 128 + SIGINT: schedulers tell it from success
  EXPECT_THAT(run.output(), HasSubstr("(interrupted)"));
}

// SIGTERM and SIGHUP (a closed terminal) stop a run as Ctrl-C does, each with 128 + its number.
TEST_F(CliTest, SigintSigtermAndSighupExitWith128PlusTheSignal) {
  std::string file = write("endless.toml", "[pipeline]\nframes_in_flight = 2\n[nodes.images]\nkind = \"data.pattern\"\n"
                                           "count = 100000000\nbatch = 1\nsize = 256\n");
  for (int signal : {SIGTERM, SIGHUP}) {
    Background run({MUNIT_BINARY, "run", file});
    ASSERT_TRUE(run.wait_for(kCtrlCHandled)) << run.output();
    run.signal(signal);
    EXPECT_EQ(run.wait(), 128 + signal) << run.output();
    EXPECT_THAT(run.output(), HasSubstr("(interrupted)")) << signal;
  }
}

}  // namespace
}  // namespace munit::testing
