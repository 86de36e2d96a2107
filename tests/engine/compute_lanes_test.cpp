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
  std::promise<void> a_started, b_started;
  std::shared_future<void> a_seen = a_started.get_future().share(), b_seen = b_started.get_future().share();
  int a_threads = 0, b_threads = 0;
  std::thread::id a_lane, b_lane;
  bool a_overlapped = false, b_overlapped = false;
  auto a = std::async(std::launch::async, [&] {
    lanes.run([&](int threads) {
      a_threads = threads, a_lane = std::this_thread::get_id();
      a_started.set_value();
      a_overlapped = b_seen.wait_for(10s) == std::future_status::ready;
    });
  });
  wait_until_waiting(lanes, 1);
  auto b = std::async(std::launch::async, [&] {
    lanes.run([&](int threads) {
      b_threads = threads, b_lane = std::this_thread::get_id();
      b_started.set_value();
      b_overlapped = a_seen.wait_for(10s) == std::future_status::ready;
    });
  });
  wait_until_waiting(lanes, 2);
  release.set_value();
  blocker.get();
  a.get();
  b.get();
  EXPECT_TRUE(a_overlapped && b_overlapped) << "they ran side by side";
  EXPECT_EQ(a_threads, 1);
  EXPECT_EQ(b_threads, 1);
  EXPECT_EQ(a_lane, wide_lane) << "lane 0 takes the first";
  EXPECT_NE(b_lane, wide_lane);
}

}  // namespace
}  // namespace munit::testing
