#pragma once
// Node kinds for engine tests. Each records what it saw into a Recorder the test owns; kinds are
// registered into the test's own Registry with the recorder bound (no globals).
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "munit/executor.h"
#include "munit/pipeline.h"
#include "munit/registry.h"
#include "munit/tensor.h"

namespace munit::testing {

using Clock = std::chrono::steady_clock;

struct Event {
  std::string node;
  FrameId frame = 0;
  double value = 0;
  double other = 0;  // test.sum: its second input
  Clock::time_point start, end;
};

class Recorder {
 public:
  void add(Event event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<Event> of(const std::string& node) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Event> selected;
    for (const auto& event : events_)
      if (event.node == node) selected.push_back(event);
    return selected;
  }
  // Frames between the source and the collector right now, and the most seen at once.
  std::atomic<int> live{0};
  std::atomic<int> max_live{0};
  std::atomic<bool> interrupt{false};

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

inline Scalar scalar(double value) { return Scalar{torch::scalar_tensor(value, torch::kFloat64)}; }
inline double value_of(const Scalar& s) { return s.value.item<double>(); }

// Adds the test kinds to `registry`, bound to `recorder`.
void add_test_nodes(Registry& registry, Recorder& recorder);

// Parses, validates (with `registry`) and runs an inline pipeline.
RunStats run_text(const std::string& toml, Registry& registry, const RunOptions& options = {});

}  // namespace munit::testing
