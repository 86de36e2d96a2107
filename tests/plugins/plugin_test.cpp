// Plugin loading: the example plugin works; every way a plugin can be wrong is refused clearly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../support/test_nodes.h"
#include "munit/errors.h"
#include "munit/image.h"
#include "munit/plugin_loader.h"
#include "munit/version.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string refused(Registry& registry, const std::string& path) {
  try {
    load_plugin(registry, path);
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " was accepted";
  return "";
}

TEST(PluginTest, ExamplePluginRegistersItsNodeAndRuns) {
  Registry registry = Registry::with_builtins();
  load_plugin(registry, MUNIT_EXAMPLE_PLUGIN);
  const NodeKind* kind = registry.node("example.posterize");
  ASSERT_NE(kind, nullptr);
  EXPECT_EQ(kind->origin, MUNIT_EXAMPLE_PLUGIN);
  EXPECT_EQ(kind->schema.params.at(0).name, "levels");

  Image image = Image::blank(1, 4, 1);
  image.pixels = {0, 100, 200, 255};
  NodeContext context;
  context.params = Params({{"levels", ParamValue{std::int64_t{2}}}});
  auto node = kind->create(context);
  Packet in = Packet::of(ImageBatch{{image}, {"x"}});
  std::vector<PortSpec> outputs = kind->schema.outputs;
  Frame frame(0, {{"in", {&in}}}, outputs);
  node->process(frame);
  EXPECT_EQ(frame.outputs()[0].as<ImageBatch>().images[0].pixels, (std::vector<std::uint8_t>{0, 0, 255, 255}));
}

TEST(PluginTest, FoundByNameInMunitPluginPath) {
  fs::path dir = fs::path(MUNIT_EXAMPLE_PLUGIN).parent_path();
  ::setenv("MUNIT_PLUGIN_PATH", ("/nonexistent:" + dir.string()).c_str(), 1);
  EXPECT_EQ(find_plugin("munit_example_augment", ""), MUNIT_EXAMPLE_PLUGIN);
  ::unsetenv("MUNIT_PLUGIN_PATH");
  try {
    find_plugin("no_such_plugin", "/tmp");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("plugin 'no_such_plugin' not found; looked in: /tmp"));
  }
}

TEST(PluginTest, MissingFile) {
  Registry registry;
  EXPECT_THAT(refused(registry, "/nonexistent/libnothing.so"), HasSubstr("plugin file not found: /nonexistent/libnothing.so"));
}

TEST(PluginTest, FileThatIsNoLibrary) {
  fs::path path = fs::temp_directory_path() / "munit_text_file.so";
  std::ofstream(path) << "just text\n";
  Registry registry;
  EXPECT_THAT(refused(registry, path.string()), HasSubstr("is not a munit plugin: it cannot be loaded as a shared library"));
  fs::remove(path);
}

TEST(PluginTest, LibraryWithoutEntryPoint) {
  Registry registry;
  EXPECT_THAT(refused(registry, MUNIT_NOT_A_PLUGIN), HasSubstr("is a shared library but not a munit plugin: it exports no 'munit_plugin' entry point"));
}

TEST(PluginTest, OtherAbiVersion) {
  Registry registry;
  std::string error = refused(registry, MUNIT_ABI_MISMATCH_PLUGIN);
  const std::string minor = std::to_string(kAbiMinor);
  EXPECT_THAT(error, HasSubstr("was built for munit ABI 99." + minor + ", but this munit has ABI " + std::to_string(kAbiMajor) + "." + minor));
  EXPECT_THAT(error, HasSubstr("rebuild the plugin"));
}

TEST(PluginTest, DuplicateKindNamesBothOrigins) {
  Registry registry = Registry::with_builtins();
  EXPECT_THAT(refused(registry, MUNIT_DUPLICATE_KIND_PLUGIN),
              HasSubstr("node kind 'augment.flip' from plugin '" + std::string(MUNIT_DUPLICATE_KIND_PLUGIN) +
                        "' is already registered by built-in"));
  Registry twice;
  load_plugin(twice, MUNIT_EXAMPLE_PLUGIN);
  EXPECT_THAT(refused(twice, MUNIT_EXAMPLE_PLUGIN), HasSubstr("is already registered by plugin '" + std::string(MUNIT_EXAMPLE_PLUGIN) + "'"));
}

}  // namespace
}  // namespace munit::testing
