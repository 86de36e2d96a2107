// Compute lanes (graph/src/compute_lanes.h): work runs on the lanes' own threads, errors come back,
// and lanes sharing cores hand a lone node every core, nodes ready together one core each, and
// only lane 0 ever more than one.
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "graph/src/compute_lanes.h"

namespace munit::testing {
namespace {

using namespace std::chrono_literals;

TEST(ComputeLanesTest, RunsOnALaneThreadAndRethrows) {
  ComputeLanes lanes(1);
  std::thread::id ran_on;
  lanes.run([&](int threads) {
    ran_on = std::this_thread::get_id();
    EXPECT_EQ(threads, 0) << "lanes that do not share cores leave the thread count to the settings";
  });
  EXPECT_NE(ran_on, std::this_thread::get_id());
  std::thread::id again;
  lanes.run([&](int) { again = std::this_thread::get_id(); });
  EXPECT_EQ(again, ran_on) << "one lane: always the same thread (one OpenMP team)";
  EXPECT_THROW(lanes.run([](int) { throw std::runtime_error("boom"); }), std::runtime_error);
}

void wait_until_waiting(ComputeLanes& lanes, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (lanes.waiting() < count) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the nodes never reached the queue";
    std::this_thread::sleep_for(1ms);
  }
}

TEST(ComputeLanesTest, ALoneNodeGetsEveryCoreAndRunsAlone) {
  ComputeLanes lanes(2, 2);
  std::promise<void> wide_started, release;
  std::shared_future<void> released = release.get_future().share();
  int wide = 0;
  auto first = std::async(std::launch::async, [&] {
    lanes.run([&](int threads) {
      wide = threads;
      wide_started.set_value();
      released.wait();
    });
  });
  wide_started.get_future().wait();
  std::atomic<bool> second_ran{false};
  auto second = std::async(std::launch::async, [&] { lanes.run([&](int) { second_ran = true; }); });
  wait_until_waiting(lanes, 1);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(second_ran) << "a node on every core runs alone: the other lane would only take cores from it";
  release.set_value();
  first.get();
  second.get();
  EXPECT_EQ(wide, 2) << "it started alone";
  EXPECT_TRUE(second_ran);
}

TEST(ComputeLanesTest, NodesReadyTogetherRunSideBySideOnOneCoreEach) {
  ComputeLanes lanes(2, 2);
  std::promise<void> wide_started, release;
  std::thread::id wide_lane;
  auto blocker = std::async(std::launch::async, [&] {
    lanes.run([&](int) {
      wide_lane = std::this_thread::get_id();
      wide_started.set_value();
      release.get_future().wait();
    });
  });
  wide_started.get_future().wait();

  // Two nodes queued behind it start together when it ends, and each waits for the other.
  struct Seen {
    std::promise<void> started;
    std::shared_future<void> started_future = started.get_future().share();
    int threads = 0;
    std::thread::id lane;
    bool overlapped = false;
  } a, b;
  auto side_by_side = [&](Seen& self, const Seen& other) {
    return std::async(std::launch::async, [&] {
      lanes.run([&](int threads) {
        self.threads = threads, self.lane = std::this_thread::get_id();
        self.started.set_value();
        self.overlapped = other.started_future.wait_for(10s) == std::future_status::ready;
      });
    });
  };
  auto first = side_by_side(a, b);
  wait_until_waiting(lanes, 1);
  auto second = side_by_side(b, a);
  wait_until_waiting(lanes, 2);
  release.set_value();
  blocker.get();
  first.get();
  second.get();
  EXPECT_TRUE(a.overlapped && b.overlapped) << "they ran side by side";
  EXPECT_EQ(a.threads, 1);
  EXPECT_EQ(b.threads, 1);
  EXPECT_EQ(a.lane, wide_lane) << "lane 0 takes the first";
  EXPECT_NE(b.lane, wide_lane);
}

}  // namespace
}  // namespace munit::testing
