// `include = "base.toml"`: a pipeline file that extends another (spec_include.h).
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "munit/errors.h"
#include "munit/pipeline.h"

namespace munit::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SpecIncludeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("munit_include_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "base");
    write("base/base.toml",
          "[pipeline]\nseed = 1\nframes = 5\n"
          "[nodes.images]\nkind = \"data.pattern\"\ncount = 4\nshapes = 2\n"
          "[nodes.flipped]\nkind = \"augment.flip\"\nin = \"images.out\"\np = 0.5\n"
          "[nodes.save]\nkind = \"io.image_writer\"\nin = \"flipped.out\"\ndir = \"out\"\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  const ResolvedNode& node(const Pipeline& pipeline, const std::string& id) {
    for (const auto& n : pipeline.nodes)
      if (n.id == id) return n;
    throw std::logic_error("no node " + id);
  }

  Registry registry_ = Registry::with_builtins();
  fs::path dir_;
};

TEST_F(SpecIncludeTest, KeysMergeAnotherKindReplacesAndPathsStayWithTheirFile) {
  const std::string file = write("top.toml",
                                 "include = \"base/base.toml\"\n"
                                 "[pipeline]\nseed = 9\n"
                                 "[nodes.flipped]\np = 1.0\n"
                                 "[nodes.images]\nkind = \"data.image_folder\"\ndir = \"photos\"\n");
  Pipeline pipeline = load_pipeline(file, registry_);
  EXPECT_EQ(pipeline.settings.seed, 9u);
  EXPECT_EQ(pipeline.settings.frames, 5) << "base settings stay unless overridden";
  EXPECT_EQ(node(pipeline, "flipped").params.get<double>("p"), 1.0);
  EXPECT_EQ(node(pipeline, "flipped").params.get<std::string>("direction"), "horizontal");
  const ResolvedNode& images = node(pipeline, "images");
  EXPECT_EQ(images.kind->schema.kind, "data.image_folder") << "another kind: the table is replaced (no count/shapes)";
  EXPECT_EQ(fs::path(images.params.get<std::string>("dir")), (dir_ / "photos").lexically_normal());
  EXPECT_EQ(fs::path(node(pipeline, "save").params.get<std::string>("dir")), (dir_ / "base/out").lexically_normal())
      << "a relative path written in the base resolves against the base's folder";
}

TEST_F(SpecIncludeTest, ErrorsNameTheFileThatWroteTheValue) {
  write("base/bad.toml", "[nodes.images]\nkind = \"data.pattern\"\ncount = -3\n");
  const std::string file = write("top.toml", "include = \"base/bad.toml\"\n[pipeline]\nseed = 2\n");
  try {
    load_pipeline(file, registry_);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.toml:3:"));
  }
}

TEST_F(SpecIncludeTest, MissingFilesAndCyclesAreRefused) {
  EXPECT_THROW(load_pipeline(write("a.toml", "include = \"nope.toml\"\n"), registry_), UserError);
  write("x.toml", "include = \"y.toml\"\n");
  try {
    load_pipeline(write("y.toml", "include = \"x.toml\"\n"), registry_);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("include cycle"));
  }
}

}  // namespace
}  // namespace munit::testing
