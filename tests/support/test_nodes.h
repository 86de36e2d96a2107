#pragma once
// Node kinds for engine tests. Each records what it saw into a Recorder the test owns; kinds are
// registered into the test's own Registry with the recorder bound (no globals).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "munit/executor.h"
#include "munit/pipeline.h"
#include "munit/registry.h"
#include "munit/tensor.h"

namespace munit::testing {

// How long a test node waits for what must happen while it waits (another frame, another node):
// generous, since it is reached only when the engine does not allow it, and the test then fails.
constexpr std::chrono::seconds kWaitLimit{30};

struct Event {
  std::string node;
  FrameId frame = 0;
  double value = 0;
  double other = 0;  // test.sum: its second input
  std::uint64_t start = 0, end = 0;  // readings of the recorder's clock
};

class Recorder {
 public:
  // A logical clock: each reading is larger than every earlier one, on any thread. Two events
  // overlapped if and only if each started before the other ended.
  std::uint64_t now() { return ++clock_; }
  void add(Event event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
    added_.notify_all();
  }
  // Returns once `node` has recorded `frame`; throws after kWaitLimit.
  void wait_for(const std::string& node, FrameId frame) const;
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
  std::atomic<std::uint64_t> clock_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable added_;
  std::vector<Event> events_;
};

// A reusable barrier: callers wait until `parties` of them are inside at once, then all go on.
// Throws after kWaitLimit, when they never were (the engine ran them one after another).
class Rendezvous {
 public:
  explicit Rendezvous(int parties) : parties_(parties) {}
  void arrive_and_wait();

 private:
  const int parties_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
};

inline Scalar scalar(double value) { return Scalar{torch::scalar_tensor(value, torch::kFloat64)}; }
inline double value_of(const Scalar& s) { return s.value.item<double>(); }

// Adds the test kinds to `registry`, bound to `recorder`.
void add_test_nodes(Registry& registry, Recorder& recorder);

// A node kind whose nodes are made as T(context, recorder).
template <class T>
NodeKind recording_kind(NodeSchema schema, Recorder& recorder) {
  return NodeKind{{}, std::move(schema), [&recorder](const NodeContext& c) -> std::unique_ptr<Node> {
                    return std::make_unique<T>(c, recorder);
                  }, {}};
}

// Parses, validates (with `registry`) and runs an inline pipeline.
RunStats run_text(const std::string& toml, Registry& registry, const RunOptions& options = {});

}  // namespace munit::testing
