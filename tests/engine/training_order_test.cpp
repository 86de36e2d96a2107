// Training order (ARCHITECTURE.md): in train mode a frame enters the model region (nodes naming a
// model or optimizer) only after the previous frame's region has finished, while other nodes run
// ahead. And list inputs: one port fed by several producers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <thread>

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

// Reads the weights' version (a forward pass), slowly, or together with `meet` other frames.
struct ReadWeights : Node {
  static constexpr In<Scalar> kIn{"in"};
  static constexpr Out<Scalar> kOut{"out"};
  static NodeSchema schema() {
    return NodeSchema("test.read_weights", "emits the weights' version")
        .input(kIn, "anything")
        .output(kOut, "the version seen")
        .param(resource_param("model", "models"))
        .param(int_param("meet", 0).doc("after reading, wait until this many frames have read at once"))
        .parallel()
        .in_model_region();
  }
  explicit ReadWeights(const NodeContext& c) : weights(c.resources->get<Weights>(c.params.get<std::string>("model"))) {
    if (const auto parties = c.params.get<std::int64_t>("meet")) meeting.emplace(static_cast<int>(parties));
  }
  void process(Frame& frame) override {
    std::int64_t seen = weights->version;
    if (meeting) meeting->arrive_and_wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    frame.put(kOut, scalar(static_cast<double>(seen)));
  }
  std::shared_ptr<Weights> weights;
  std::optional<Rendezvous> meeting;
};

// Bumps the version (an optimizer step), after a pause. Frame 0's step ends only once `load` has
// done frame 1: loading, outside the model region, must run ahead of it.
struct StepWeights : Node {
  static constexpr In<Scalar> kIn{"in"};
  static NodeSchema schema() {
    return NodeSchema("test.step_weights", "increments the weights' version")
        .input(kIn, "anything")
        .param(resource_param("model", "models"))
        .parallel()
        .in_model_region();
  }
  StepWeights(const NodeContext& c, Recorder& recorder)
      : weights(c.resources->get<Weights>(c.params.get<std::string>("model"))), recorder(recorder) {}
  void process(Frame& frame) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (frame.id() == 0) recorder.wait_for("load", 1);
    ++weights->version;
  }
  std::shared_ptr<Weights> weights;
  Recorder& recorder;
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
    registry.add(recording_kind<StepWeights>(StepWeights::schema(), recorder));
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
meet = %MEET%
[nodes.step]
kind = "test.step_weights"
model = "w"
in = "forward.out"
[nodes.seen]
kind = "test.collect"
in = "forward.out"
after = "step.done"
)toml";

std::string with(const std::string& mode, int meet = 0) {
  std::string text = kTraining;
  text.replace(text.find("%MODE%"), 6, mode);
  return text.replace(text.find("%MEET%"), 6, std::to_string(meet));
}

TEST_F(TrainingOrder, EachFrameSeesThePreviousFramesOptimizerSteps) {
  run_text(with("train"), registry);  // frame 0's step waits for frame 1's load (above)
  auto seen = recorder.of("seen");
  ASSERT_EQ(seen.size(), 24u);
  for (const auto& event : seen) EXPECT_EQ(event.value, static_cast<double>(event.frame)) << "frame " << event.frame;
  EXPECT_EQ(recorder.of("load").size(), 24u);
}

TEST_F(TrainingOrder, InferenceDoesNotSerializeFrames) {
  // Without the gate, forwards of two frames can read the version at once (with it, they would
  // time out): the later frame of the first pair sees no step of the earlier one.
  run_text(with("infer", 2), registry);
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
