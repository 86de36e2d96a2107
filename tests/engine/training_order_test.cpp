// Training order (ARCHITECTURE.md): in train mode a frame enters the model region (nodes naming a
// model or optimizer) only after the previous frame's region has finished, while other nodes run
// ahead. And list inputs: one port fed by several producers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/test_nodes.h"
#include "munit/errors.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

struct Weights {
  static constexpr const char* kKind = "test.weights";
  static ResourceSchema schema() { return ResourceSchema("test.weights", "models", "a counter standing for weights"); }
  explicit Weights(const ResourceContext&) {}
  std::atomic<std::int64_t> version{0};
};

// Reads the weights' version (a forward pass), slowly.
struct ReadWeights : Node {
  static constexpr In<Scalar> kIn{"in"};
  static constexpr Out<Scalar> kOut{"out"};
  static NodeSchema schema() {
    return NodeSchema("test.read_weights", "emits the weights' version")
        .input(kIn, "anything")
        .output(kOut, "the version seen")
        .param(resource_param("model", "models"))
        .parallel()
        .in_model_region();
  }
  explicit ReadWeights(const NodeContext& c) : weights(c.resources->get<Weights>(c.params.get<std::string>("model"))) {}
  void process(Frame& frame) override {
    std::int64_t seen = weights->version;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    frame.put(kOut, scalar(static_cast<double>(seen)));
  }
  std::shared_ptr<Weights> weights;
};

// Bumps the version (an optimizer step), after a pause.
struct StepWeights : Node {
  static constexpr In<Scalar> kIn{"in"};
  static NodeSchema schema() {
    return NodeSchema("test.step_weights", "increments the weights' version")
        .input(kIn, "anything")
        .param(resource_param("model", "models"))
        .parallel()
        .in_model_region();
  }
  explicit StepWeights(const NodeContext& c) : weights(c.resources->get<Weights>(c.params.get<std::string>("model"))) {}
  void process(Frame&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ++weights->version;
  }
  std::shared_ptr<Weights> weights;
};

struct Total : Node {
  static constexpr In<Scalar> kIn{"in"};
  static constexpr Out<Scalar> kOut{"out"};
  static NodeSchema schema() {
    return NodeSchema("test.total", "sums a list input").list_input(kIn, "terms").output(kOut, "their sum");
  }
  explicit Total(const NodeContext&) {}
  void process(Frame& frame) override {
    double sum = 0, position = 1;
    for (const Scalar* term : frame.get_all(kIn)) sum += position++ * value_of(*term);  // order matters
    frame.put(kOut, scalar(sum));
  }
};

class TrainingOrder : public ::testing::Test {
 protected:
  TrainingOrder() : registry(Registry::with_builtins()) {
    add_test_nodes(registry, recorder);
    registry.add_resource<Weights>();
    registry.add_node<ReadWeights>();
    registry.add_node<StepWeights>();
    registry.add_node<Total>();
  }
  Recorder recorder;
  Registry registry;
};

const char* kTraining = R"toml(
[pipeline]
mode = "%MODE%"
threads = 4
frames_in_flight = 4
[models.w]
kind = "test.weights"
[nodes.ticks]
kind = "test.ticks"
count = 24
[nodes.load]
kind = "test.work"
in = "ticks.out"
sleep_ms = 1
[nodes.forward]
kind = "test.read_weights"
model = "w"
in = "load.out"
[nodes.step]
kind = "test.step_weights"
model = "w"
in = "forward.out"
[nodes.seen]
kind = "test.collect"
in = "forward.out"
after = "step.done"
)toml";

std::string with_mode(const std::string& mode) {
  std::string text = kTraining;
  return text.replace(text.find("%MODE%"), 6, mode);
}

TEST_F(TrainingOrder, EachFrameSeesThePreviousFramesOptimizerSteps) {
  run_text(with_mode("train"), registry);
  auto seen = recorder.of("seen");
  ASSERT_EQ(seen.size(), 24u);
  for (const auto& event : seen) EXPECT_EQ(event.value, static_cast<double>(event.frame)) << "frame " << event.frame;
  // Loading is outside the model region and runs ahead: some frame was loaded before the previous
  // frame had finished its step.
  std::map<FrameId, Clock::time_point> loaded, stepped;
  for (const auto& event : recorder.of("load")) loaded[event.frame] = event.end;
  for (const auto& event : seen) stepped[event.frame] = event.end;
  ASSERT_EQ(loaded.size(), 24u);
  int ahead = 0;
  for (FrameId f = 1; f < 24; ++f) ahead += loaded[f] < stepped[f - 1];
  EXPECT_GT(ahead, 0);
}

TEST_F(TrainingOrder, InferenceDoesNotSerializeFrames) {
  // Without the gate, parallel forwards of several frames overlap and see the same version.
  run_text(with_mode("infer"), registry);
  auto seen = recorder.of("seen");
  ASSERT_EQ(seen.size(), 24u);
  int stale = 0;
  for (const auto& event : seen) stale += event.value != static_cast<double>(event.frame);
  EXPECT_GT(stale, 0);
}

TEST_F(TrainingOrder, AListInputTakesSeveralProducersInOrder) {
  run_text(R"toml(
[nodes.ticks]
kind = "test.ticks"
count = 3
[nodes.a]
kind = "test.work"
in = "ticks.out"
add = 1
[nodes.b]
kind = "test.work"
in = "ticks.out"
add = 10
[nodes.total]
kind = "test.total"
in = ["b.out", "a.out", "ticks.out"]
[nodes.sink]
kind = "test.collect"
in = "total.out"
)toml",
           registry);
  auto sums = recorder.of("sink");
  ASSERT_EQ(sums.size(), 3u);
  for (const auto& event : sums) {
    const double t = static_cast<double>(event.frame);
    EXPECT_DOUBLE_EQ(event.value, 1 * (t + 10) + 2 * (t + 1) + 3 * t);
  }
  try {
    validate(parse_pipeline_text("[nodes.t]\nkind = \"test.ticks\"\n[nodes.w]\nkind = \"test.work\"\nin = [\"t.out\"]\n",
                                 "bad.toml"),
             registry);
    FAIL() << "a list was accepted by a single input";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.toml:5:6"));
    EXPECT_THAT(e.what(), HasSubstr("expected \"node.port\", got"));
  }
}

}  // namespace
}  // namespace munit::testing
