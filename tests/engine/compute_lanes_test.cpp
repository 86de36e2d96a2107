// Compute lanes (graph/src/compute_lanes.h): work runs on the lanes' own threads, errors come back,
// and lanes sharing cores hand a lone node every core and side-by-side nodes a share.
#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "graph/src/compute_lanes.h"

namespace munit::testing {
namespace {

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

TEST(ComputeLanesTest, ALoneNodeGetsEveryCoreSideBySideNodesShare) {
  ComputeLanes lanes(2, 2);
  int alone = 0;
  lanes.run([&](int threads) { alone = threads; });
  EXPECT_EQ(alone, 2);

  std::promise<void> first_started, second_done;
  std::atomic<int> first{0}, second{0};
  auto long_one = std::async(std::launch::async, [&] {
    lanes.run([&](int threads) {
      first = threads;
      first_started.set_value();
      second_done.get_future().wait();  // still busy while the second runs
    });
  });
  first_started.get_future().wait();
  lanes.run([&](int threads) { second = threads; });
  second_done.set_value();
  long_one.get();
  EXPECT_EQ(first, 2) << "it started alone";
  EXPECT_EQ(second, 1) << "one lane busy: one core left";
}

}  // namespace
}  // namespace munit::testing
