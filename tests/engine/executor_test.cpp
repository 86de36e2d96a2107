// The executor's contracts: concurrency per node, frame matching at joins, backpressure, signal
// edges, end of stream, interrupts, and failures that end the run promptly with a clear message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "../support/test_nodes.h"
#include "munit/errors.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() { add_test_nodes(registry, recorder); }
  Registry registry;
  Recorder recorder;
};

bool overlaps(const Event& a, const Event& b) { return a.start < b.end && b.start < a.end; }

int overlapping_pairs(const std::vector<Event>& events) {
  int pairs = 0;
  for (std::size_t i = 0; i < events.size(); ++i)
    for (std::size_t j = i + 1; j < events.size(); ++j) pairs += overlaps(events[i], events[j]);
  return pairs;
}

//! Requirement: a node declared parallel runs several frames at once.
TEST_F(ExecutorTest, ParallelNodeOverlapsFrames) {
  // Frames wait inside `work` until four are there at once: run one by one, they would time out.
  RunStats stats = run_text(R"toml(
    [pipeline]
    threads = 4
    frames_in_flight = 8
    [nodes.ticks]
    kind = "test.ticks"
    count = 16
    [nodes.work]
    kind = "test.work"
    in = "ticks.out"
    meet = 4
    [nodes.sink]
    kind = "test.collect"
    in = "work.out"
  )toml", registry);
  auto events = recorder.of("work");
  ASSERT_EQ(events.size(), 16u);
  EXPECT_GE(overlapping_pairs(events), 4 * 6) << "four meetings of four frames";
  auto work = std::find_if(stats.nodes.begin(), stats.nodes.end(), [](const NodeStats& n) { return n.id == "work"; });
  EXPECT_EQ(work->max_concurrent, 4) << "the engine's own count";
}

//! Requirement: a serial node never overlaps itself and sees frames in order.
TEST_F(ExecutorTest, SerialNodeNeverOverlapsAndKeepsOrder) {
  run_text(R"toml(
    [pipeline]
    threads = 4
    frames_in_flight = 8
    [nodes.ticks]
    kind = "test.ticks"
    count = 24
    [nodes.shuffle]
    kind = "test.work"
    in = "ticks.out"
    swap_pairs = true
    [nodes.serial]
    kind = "test.work_serial"
    in = "shuffle.out"
    sleep_ms = 5
    [nodes.sink]
    kind = "test.collect"
    in = "serial.out"
  )toml", registry);
  auto events = recorder.of("serial");
  ASSERT_EQ(events.size(), 24u);
  EXPECT_EQ(overlapping_pairs(events), 0);
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.start < b.start; });
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].frame, static_cast<FrameId>(i));
  // The parallel stage before it finished out of order, so the order above is the engine's work.
  auto shuffled = recorder.of("shuffle");
  std::sort(shuffled.begin(), shuffled.end(), [](const Event& a, const Event& b) { return a.end < b.end; });
  EXPECT_FALSE(std::is_sorted(shuffled.begin(), shuffled.end(),
                              [](const Event& a, const Event& b) { return a.frame < b.frame; }));
}

//! Requirement: frames in flight never exceed the bound; every result arrives, matched by frame id.
TEST_F(ExecutorTest, BackpressureBoundsFramesInFlightOver10000Frames) {
  RunStats stats = run_text(R"toml(
    [pipeline]
    threads = 4
    frames_in_flight = 3
    [nodes.ticks]
    kind = "test.ticks"
    count = 10000
    [nodes.work]
    kind = "test.work"
    in = "ticks.out"
    add = 0.5
    [nodes.sink]
    kind = "test.collect"
    in = "work.out"
  )toml", registry);
  EXPECT_EQ(stats.frames, 10000);
  EXPECT_LE(stats.max_in_flight, 3);
  EXPECT_GE(stats.max_in_flight, 2);
  EXPECT_LE(recorder.max_live.load(), 3) << "counted by the test nodes, independently of the engine";
  auto results = recorder.of("sink");
  ASSERT_EQ(results.size(), 10000u);
  std::set<FrameId> frames;
  for (const auto& event : results) {
    EXPECT_DOUBLE_EQ(event.value, event.frame + 0.5);
    frames.insert(event.frame);
  }
  EXPECT_EQ(frames.size(), 10000u);
}

//! Requirement: a multi-input node receives the inputs of one frame together, though its
//! producers finish out of order.
TEST_F(ExecutorTest, JoinMatchesInputsByFrame) {
  run_text(R"toml(
    [pipeline]
    threads = 4
    frames_in_flight = 8
    [nodes.ticks]
    kind = "test.ticks"
    count = 40
    [nodes.slow]
    kind = "test.work"
    in = "ticks.out"
    add = 1000
    swap_pairs = true
    [nodes.fast]
    kind = "test.work"
    in = "ticks.out"
    add = 2000
    [nodes.sum]
    kind = "test.sum"
    a = "slow.out"
    b = "fast.out"
    [nodes.sink]
    kind = "test.collect"
    in = "sum.out"
  )toml", registry);
  auto sums = recorder.of("sum");
  ASSERT_EQ(sums.size(), 40u);
  for (const auto& event : sums) {
    EXPECT_DOUBLE_EQ(event.value, event.frame + 1000.0);
    EXPECT_DOUBLE_EQ(event.other, event.frame + 2000.0);
  }
}

const char* kSignalPipeline = R"toml(
    [pipeline]
    threads = 4
    frames_in_flight = 4
    [nodes.ticks]
    kind = "test.ticks"
    count = 12
    [nodes.first]
    kind = "test.work"
    in = "ticks.out"
    %FIRST%
    [nodes.second]
    kind = "test.work"
    in = "ticks.out"
    %AFTER%
    [nodes.sink]
    kind = "test.collect"
    in = "second.out"
  )toml";

std::string with(const std::string& first, const std::string& after) {
  std::string text = kSignalPipeline;
  text.replace(text.find("%FIRST%"), 7, first);
  text.replace(text.find("%AFTER%"), 7, after);
  return text;
}

//! Requirement: a signal edge orders work that data does not order.
TEST_F(ExecutorTest, SignalEdgeOrdersWork) {
  run_text(with("sleep_ms = 20", "after = \"first.done\""), registry);  // the pause gives `second` time to jump ahead
  auto first = recorder.of("first"), second = recorder.of("second");
  ASSERT_EQ(first.size(), 12u);
  ASSERT_EQ(second.size(), 12u);
  for (const auto& b : second) {
    auto a = std::find_if(first.begin(), first.end(), [&](const Event& e) { return e.frame == b.frame; });
    EXPECT_GE(b.start, a->end) << "frame " << b.frame;
  }
}

// The control for the test above: without the edge, `first` can even wait for `second` to finish
// each frame (with the edge that would time out).
TEST_F(ExecutorTest, WithoutSignalEdgeTheSameNodesRunUnordered) {
  run_text(with("wait_for = \"second\"", ""), registry);
  auto first = recorder.of("first"), second = recorder.of("second");
  ASSERT_EQ(second.size(), 12u);
  int earlier = 0;
  for (const auto& b : second) {
    auto a = std::find_if(first.begin(), first.end(), [&](const Event& e) { return e.frame == b.frame; });
    earlier += b.start < a->end;
  }
  EXPECT_EQ(earlier, 12);
}

//! Requirement: a node that throws stops the run promptly; the message names node, kind, frame.
TEST_F(ExecutorTest, ThrowingNodeEndsRunPromptly) {
  try {
    run_text(R"toml(
      [pipeline]
      threads = 2
      frames_in_flight = 4
      [nodes.ticks]
      kind = "test.ticks"
      count = 200
      [nodes.slow]
      kind = "test.work"
      in = "ticks.out"
      sleep_ms = 30
      [nodes.broken]
      kind = "test.fail"
      in = "slow.out"
      at = 5
      [nodes.sink]
      kind = "test.collect"
      in = "broken.out"
    )toml", registry);
    FAIL() << "the run should have failed";
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("node 'broken' (test.fail) failed on frame 5: deliberate failure"));
  }
  // Promptly: no frame starts after the failure, only those already in flight finish.
  for (const auto& event : recorder.of("slow")) EXPECT_LT(event.frame, 5 + 4);
  for (const auto& event : recorder.of("sink")) EXPECT_LT(event.frame, 5);
}

TEST_F(ExecutorTest, StreamEndsWhenSourceEnds) {
  RunStats stats = run_text(R"toml(
    [nodes.ticks]
    kind = "test.ticks"
    count = 10
    [nodes.sink]
    kind = "test.collect"
    in = "ticks.out"
  )toml", registry);
  EXPECT_EQ(stats.frames, 10);
  EXPECT_EQ(recorder.of("sink").size(), 10u);
}

TEST_F(ExecutorTest, FramesSettingLimitsAnEndlessSource) {
  RunStats stats = run_text(R"toml(
    [pipeline]
    frames = 25
    [nodes.ticks]
    kind = "test.ticks"
    [nodes.sink]
    kind = "test.collect"
    in = "ticks.out"
  )toml", registry);
  EXPECT_EQ(stats.frames, 25);
}

//! Requirement: an interrupt stops the source; frames in flight drain, none is lost or torn.
TEST_F(ExecutorTest, InterruptDrainsFramesInFlight) {
  RunOptions options;
  options.interrupt = &recorder.interrupt;
  RunStats stats = run_text(R"toml(
    [pipeline]
    frames_in_flight = 4
    [nodes.ticks]
    kind = "test.ticks"
    interrupt_at = 20
    [nodes.work]
    kind = "test.work"
    in = "ticks.out"
    sleep_ms = 1
    [nodes.sink]
    kind = "test.collect"
    in = "work.out"
  )toml", registry, options);
  EXPECT_TRUE(stats.interrupted);
  EXPECT_GE(stats.frames, 21);
  EXPECT_LE(stats.frames, 21 + 4);
  auto results = recorder.of("sink");
  ASSERT_EQ(results.size(), static_cast<std::size_t>(stats.frames));
  std::set<FrameId> frames;
  for (const auto& event : results) frames.insert(event.frame);
  EXPECT_EQ(*frames.rbegin(), stats.frames - 1) << "the frames that finished are 0..N-1, with no gap";
}

//! Requirement: compute lanes bound how many compute nodes run at once.
TEST_F(ExecutorTest, ComputeLanesLimitConcurrentComputeNodes) {
  RunStats stats = run_text(R"toml(
    [pipeline]
    threads = 4
    intra_op_threads = 4
    frames_in_flight = 8
    [nodes.ticks]
    kind = "test.ticks"
    count = 12
    [nodes.heavy]
    kind = "test.compute"
    in = "ticks.out"
    sleep_ms = 5
    [nodes.sink]
    kind = "test.collect"
    in = "heavy.out"
  )toml", registry);
  EXPECT_EQ(overlapping_pairs(recorder.of("heavy")), 0);
  EXPECT_EQ(stats.frames, 12);
}

//! Requirement: a node's last work (close: a final sample sheet) runs on a compute lane with the
//! cores, which are idle by then, not on one thread.
TEST_F(ExecutorTest, ClosingNodesGetEveryCore) {
  run_text(R"toml(
    [pipeline]
    threads = 2
    [nodes.ticks]
    kind = "test.ticks"
    count = 3
    [nodes.heavy]
    kind = "test.work_serial"
    in = "ticks.out"
  )toml", registry);
  const auto closed = recorder.of("heavy.close");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].value, 2) << "intra-op threads while closing";
}

TEST_F(ExecutorTest, OneThreadAndManyThreadsGiveTheSameResults) {
  const std::string pipeline = R"toml(
    [pipeline]
    threads = %T%
    frames_in_flight = 6
    [nodes.ticks]
    kind = "test.ticks"
    count = 60
    [nodes.a]
    kind = "test.work"
    in = "ticks.out"
    add = 3
    jitter = true
    sleep_ms = 1
    [nodes.b]
    kind = "test.work_serial"
    in = "ticks.out"
    add = 7
    [nodes.sum]
    kind = "test.sum"
    a = "a.out"
    b = "b.out"
    [nodes.sink]
    kind = "test.collect"
    in = "sum.out"
  )toml";
  auto results = [&](const char* threads) {
    Recorder local;
    Registry fresh;
    add_test_nodes(fresh, local);
    std::string text = pipeline;
    text.replace(text.find("%T%"), 3, threads);
    run_text(text, fresh);
    std::map<FrameId, double> values;
    for (const auto& event : local.of("sink")) values[event.frame] = event.value;
    return values;
  };
  auto one = results("1"), many = results("4");
  EXPECT_EQ(one.size(), 60u);
  EXPECT_EQ(one, many);
}

TEST_F(ExecutorTest, NodeMissingAnOutputFailsWithItsName) {
  struct Silent : Node {
    static NodeSchema schema() {
      return NodeSchema("test.silent", "produces nothing").output(Out<Scalar>{"out"}, "never set");
    }
    explicit Silent(const NodeContext&) {}
    void process(Frame&) override {}
  };
  registry.add_node<Silent>();
  try {
    run_text(R"toml(
      [nodes.quiet]
      kind = "test.silent"
      [nodes.sink]
      kind = "test.collect"
      in = "quiet.out"
    )toml", registry);
    FAIL();
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("node 'quiet' (test.silent) failed on frame 0: it produced nothing on output 'out'"));
  }
}

}  // namespace
}  // namespace munit::testing
