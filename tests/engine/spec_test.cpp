// Bad pipeline input: each case is refused before anything runs, with the location, the node and
// port, and what would be accepted. (The CLI tests check the same cases end to end: exit code 2.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "../support/test_nodes.h"
#include "munit/errors.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

class SpecTest : public ::testing::Test {
 protected:
  SpecTest() : registry(Registry::with_builtins()) { add_test_nodes(registry, recorder); }

  // The full error text for a pipeline that must be refused.
  std::string refused(const std::string& toml, const std::vector<std::string>& overrides = {}) {
    try {
      validate(parse_pipeline_text(toml, "bad.toml", overrides), registry);
    } catch (const UserError& e) {
      return e.what();
    }
    ADD_FAILURE() << "accepted:\n" << toml;
    return "";
  }

  Recorder recorder;
  Registry registry;
};

TEST_F(SpecTest, MalformedToml) {
  EXPECT_THAT(refused("[nodes.a]\nkind = \"test.ticks\"\ncount = = 3\n"), HasSubstr("bad.toml:3:"));
  EXPECT_THAT(refused("[nodes.a\n"), HasSubstr("malformed TOML"));
}

TEST_F(SpecTest, UnknownNodeKindSuggestsTheNearest) {
  std::string error = refused("[nodes.flipper]\nkind = \"augment.flp\"\n");
  EXPECT_THAT(error, HasSubstr("bad.toml:1:8: node 'flipper': unknown node kind 'augment.flp'"));
  EXPECT_THAT(error, HasSubstr("did you mean 'augment.flip'?"));
}

TEST_F(SpecTest, ReferencesToANodeOfUnknownKindAreNotReportedTwice) {
  std::string error = refused("[nodes.a]\nkind = \"nope\"\n[nodes.f]\nkind = \"augment.flip\"\nin = \"a.out\"\n");
  EXPECT_THAT(error, HasSubstr("unknown node kind 'nope'"));
  EXPECT_THAT(error, ::testing::Not(HasSubstr("no node named")));
}

TEST_F(SpecTest, UnknownParameterSuggestsTheNearest) {
  std::string error = refused(R"toml(
[nodes.images]
kind = "data.pattern"
bacth = 4
)toml");
  EXPECT_THAT(error, HasSubstr("bad.toml:4:9: node 'images' (data.pattern): unknown key 'bacth' (did you mean 'batch'?)"));
  EXPECT_THAT(error, HasSubstr("accepted:"));
}

TEST_F(SpecTest, WrongParameterType) {
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\nbatch = \"four\"\n"),
              HasSubstr("bad.toml:3:9: node 'images' (data.pattern) → param 'batch': expected an integer, got the string \"four\""));
}

TEST_F(SpecTest, ValueOutOfRange) {
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\nbatch = 0\n"),
              HasSubstr("param 'batch': value 0 is out of range: must be [1, 4096]"));
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\n[nodes.f]\nkind = \"augment.flip\"\nin = \"images.out\"\n"
                      "direction = \"diagonal\"\n"),
              HasSubstr("'diagonal' is not one of horizontal, vertical"));
}

TEST_F(SpecTest, InputReferringToMissingNodeOrPort) {
  std::string base = "[nodes.images]\nkind = \"data.pattern\"\n[nodes.f]\nkind = \"augment.flip\"\n";
  EXPECT_THAT(refused(base + "in = \"imagse.out\"\n"),
              HasSubstr("bad.toml:5:6: node 'f' (augment.flip) → input 'in': no node named 'imagse' (did you mean 'images'?)"));
  EXPECT_THAT(refused(base + "in = \"images.outt\"\n"),
              HasSubstr("node 'images' (data.pattern) has no output 'outt' (did you mean 'out'?); its outputs: out, done"));
  EXPECT_THAT(refused(base + "in = \"images\"\n"), HasSubstr("expected \"node.port\""));
}

TEST_F(SpecTest, PortKindMismatch) {
  EXPECT_THAT(refused("[nodes.t]\nkind = \"test.ticks\"\n[nodes.f]\nkind = \"augment.flip\"\nin = \"t.out\"\n"),
              HasSubstr("node 'f' (augment.flip) → input 'in': 't.out' is scalar, but this input takes image"));
}

TEST_F(SpecTest, RequiredInputNotConnected) {
  EXPECT_THAT(refused("[nodes.f]\nkind = \"augment.flip\"\n"),
              HasSubstr("bad.toml:1:8: node 'f' (augment.flip): required input 'in' (image) is not connected"));
}

TEST_F(SpecTest, CycleNamesItsNodes) {
  std::string error = refused(R"toml(
[nodes.t]
kind = "test.ticks"
[nodes.a]
kind = "test.sum"
a = "t.out"
b = "c.out"
[nodes.b]
kind = "test.work"
in = "a.out"
[nodes.c]
kind = "test.work"
in = "b.out"
)toml");
  EXPECT_THAT(error, HasSubstr("the graph has a cycle: a → c → b → a"));
}

TEST_F(SpecTest, AllProblemsAreReportedTogether) {
  std::string error = refused("[nodes.a]\nkind = \"data.pattern\"\nbatch = 0\nsize = \"big\"\n[nodes.b]\nkind = \"nope\"\n");
  EXPECT_THAT(error, HasSubstr("batch"));
  EXPECT_THAT(error, HasSubstr("size"));
  EXPECT_THAT(error, HasSubstr("nope"));
}

TEST_F(SpecTest, PipelineSettingsAreChecked) {
  EXPECT_THAT(refused("[pipeline]\nmode = \"training\"\n[nodes.t]\nkind = \"test.ticks\"\n"),
              HasSubstr("bad.toml:2:8: [pipeline] → mode: 'training' is not one of train, infer (did you mean 'train'?)"));
  EXPECT_THAT(refused("[pipeline]\nframes_in_flight = 0\n[nodes.t]\nkind = \"test.ticks\"\n"),
              HasSubstr("must be at least 1"));
  EXPECT_THAT(refused("[pipeline]\nsed = 3\n[nodes.t]\nkind = \"test.ticks\"\n"), HasSubstr("did you mean 'seed'?"));
  EXPECT_THAT(refused("[pipline]\n[nodes.t]\nkind = \"test.ticks\"\n"), HasSubstr("unknown section 'pipline'"));
}

// Issue 16: [pipeline] problems do not hide those of the nodes.
TEST_F(SpecTest, SettingsAndNodeProblemsAreReportedTogether) {
  std::string error = refused("[pipeline]\nthreads = -1\n[nodes.images]\nkind = \"data.pattern\"\nfoo = 3\n");
  EXPECT_THAT(error, HasSubstr("[pipeline] → threads"));
  EXPECT_THAT(error, HasSubstr("unknown key 'foo'"));
}

// Issue 16: counts are bounded by what the machine can do; the message names the bound.
TEST_F(SpecTest, CountsAreBoundedByTheMachine) {
  const std::string node = "[nodes.t]\nkind = \"test.ticks\"\n";
  const std::string cores = std::to_string(4 * std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_THAT(refused("[pipeline]\nthreads = 100000\n" + node), HasSubstr("must be at most " + cores));
  EXPECT_THAT(refused("[pipeline]\nintra_op_threads = 100000\n" + node), HasSubstr("must be at most " + cores));
  EXPECT_THAT(refused("[pipeline]\ncompute_lanes = 100000\n" + node), HasSubstr("must be at most " + cores));
  EXPECT_THAT(refused("[pipeline]\nframes_in_flight = 5000000000\n" + node), HasSubstr("must be at most 1024"));
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.image_folder\"\ndir = \".\"\nbatch = 5000\n"),
              HasSubstr("must be [1, 4096]"));
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\n[nodes.r]\nkind = \"augment.resize\"\n"
                      "in = \"images.out\"\nsize = 5000\n"),
              HasSubstr("must be [1, 4096]"));
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\n[nodes.s]\nkind = \"style.prior\"\n"
                      "like = \"images.out\"\nper_input = 5000\n"),
              HasSubstr("must be [1, 4096]"));
}

// Issue 16: numbers too large for their type are out of range; NaN and infinities are refused.
TEST_F(SpecTest, HugeAndNonFiniteNumbersAreRefused) {
  EXPECT_THAT(refused("[nodes.images]\nkind = \"data.pattern\"\nbatch = 1e308\n"),
              HasSubstr("param 'batch': value 1e+308 is out of range: must be [1, 4096]"));
  const std::string edges = "[nodes.images]\nkind = \"data.pattern\"\n[nodes.e]\nkind = \"augment.edges\"\n"
                            "in = \"images.out\"\n";
  EXPECT_THAT(refused(edges + "low = nan\n"), HasSubstr("param 'low': nan is not a finite number"));
  EXPECT_THAT(refused(edges + "blur = -inf\n"), HasSubstr("param 'blur': -inf is not a finite number"));
}

TEST_F(SpecTest, OverridesKeepTheTypeOfTheValueTheyReplace) {
  const std::string toml = "[nodes.images]\nkind = \"data.pattern\"\nbatch = 4\n";
  EXPECT_THAT(refused(toml, {"nodes.images.batch=abc"}), HasSubstr("--set nodes.images.batch=abc: expected an integer"));
  EXPECT_THAT(refused(toml, {"nodes.images.batch=0"}), HasSubstr("out of range"));
  EXPECT_THAT(refused(toml, {"nodes.imagse.batch=3"}), HasSubstr("no table 'imagse' (did you mean 'images'?)"));
  Pipeline pipeline = validate(parse_pipeline_text(toml, "ok.toml", {"nodes.images.batch=16", "pipeline.seed=9"}), registry);
  EXPECT_EQ(pipeline.nodes[0].params.get<std::int64_t>("batch"), 16);
  EXPECT_EQ(pipeline.settings.seed, 9u);
}

TEST_F(SpecTest, DefaultsAreFilledAndNodesSorted) {
  Pipeline pipeline = validate(parse_pipeline_text(R"toml(
[nodes.sink]
kind = "test.collect"
in = "images.out"
[nodes.images]
kind = "test.ticks"
)toml", "ok.toml"), registry);
  ASSERT_EQ(pipeline.nodes.size(), 2u);
  EXPECT_EQ(pipeline.nodes[0].id, "images");
  EXPECT_EQ(pipeline.nodes[1].inputs[0].at(0).producer, 0);
  EXPECT_EQ(pipeline.nodes[0].params.get<std::int64_t>("count"), 0);
}

//! Requirement: resources are declared once and referenced by name; a wrong name is refused.
struct Table {
  static constexpr const char* kKind = "test.table";
  static ResourceSchema schema() {
    return ResourceSchema("test.table", "models", "a named number").param(float_param("value", 1.0));
  }
  explicit Table(const ResourceContext& context) : value(context.params.get<double>("value")) {}
  double value;
};

struct UseTable : Node {
  static NodeSchema schema() {
    return NodeSchema("test.use_table", "emits the table's value")
        .output(Out<Scalar>{"out"}, "the value")
        .param(resource_param("table", "models"));
  }
  explicit UseTable(const NodeContext& context)
      : table(context.resources->get<Table>(context.params.get<std::string>("table"))) {}
  void process(Frame& frame) override {
    if (frame.id() > 0) return frame.end_of_stream();
    frame.put(Out<Scalar>{"out"}, scalar(table->value));
  }
  std::shared_ptr<Table> table;
};

TEST_F(SpecTest, ResourcesAreSharedByName) {
  registry.add_resource<Table>();
  registry.add_node<UseTable>();
  const std::string toml = R"toml(
[models.answer]
kind = "test.table"
value = 42
[nodes.use]
kind = "test.use_table"
table = "%NAME%"
[nodes.sink]
kind = "test.collect"
in = "use.out"
)toml";
  auto named = [&](const std::string& name) {
    std::string text = toml;
    return text.replace(text.find("%NAME%"), 6, name);
  };
  run_text(named("answer"), registry);
  ASSERT_EQ(recorder.of("sink").size(), 1u);
  EXPECT_DOUBLE_EQ(recorder.of("sink")[0].value, 42);
  EXPECT_THAT(refused(named("anwser")), HasSubstr("no resource 'anwser' in [models] (did you mean 'answer'?)"));
}

}  // namespace
}  // namespace munit::testing
