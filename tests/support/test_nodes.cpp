#include "test_nodes.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace munit::testing {
namespace {

const In<Scalar> kIn{"in"};
const In<Scalar> kA{"a"};
const In<Scalar> kB{"b"};
const Out<Scalar> kOut{"out"};

void sleep_ms(double ms) { std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(ms * 1000))); }

// test.ticks: a source whose frame f carries f + offset; ends after `count` frames (0: never).
class Ticks : public Node {
 public:
  static NodeSchema schema() {
    return NodeSchema("test.ticks", "frame ids as scalars")
        .output(kOut, "frame id + offset")
        .param(int_param("count", 0).at_least(0).doc("frames before the stream ends (0: endless)"))
        .param(float_param("offset", 0.0).doc("added to the frame id"))
        .param(int_param("interrupt_at", -1).doc("set the recorder's interrupt flag at this frame"))
        .parallel();
  }
  Ticks(const NodeContext& context, Recorder& recorder)
      : count_(context.params.get<std::int64_t>("count")),
        offset_(context.params.get<double>("offset")),
        interrupt_at_(context.params.get<std::int64_t>("interrupt_at")),
        recorder_(recorder) {}
  void process(Frame& frame) override {
    if (count_ > 0 && frame.id() >= count_) return frame.end_of_stream();
    if (frame.id() == interrupt_at_) recorder_.interrupt = true;
    int live = ++recorder_.live;
    for (int seen = recorder_.max_live; live > seen && !recorder_.max_live.compare_exchange_weak(seen, live);) {
    }
    frame.put(kOut, scalar(static_cast<double>(frame.id()) + offset_));
  }

 private:
  std::int64_t count_;
  double offset_;
  std::int64_t interrupt_at_;
  Recorder& recorder_;
};

// test.work*: out = in + add, after sleeping or waiting; records its start and end.
class Work : public Node {
 public:
  static NodeSchema schema(const std::string& kind, Concurrency concurrency, bool compute) {
    NodeSchema schema(kind, "adds a constant after a pause");
    schema.input(kIn, "a scalar")
        .output(kOut, "in + add")
        .param(float_param("add", 0.0).doc("added to the input"))
        .param(float_param("sleep_ms", 0.0).at_least(0).doc("pause per frame"))
        .param(bool_param("jitter", false).doc("vary the pause with the frame id (0 to 2x)"))
        .param(int_param("meet", 0).at_least(0).doc("wait until this many frames are in the node at once"))
        .param(bool_param("swap_pairs", false).doc("finish frame 2k only after frame 2k+1"))
        .param(string_param("wait_for", "").doc("finish a frame only after this node has recorded it"));
    schema.concurrency = concurrency;
    schema.compute = compute;
    return schema;
  }
  Work(const NodeContext& context, Recorder& recorder)
      : id_(context.id),
        add_(context.params.get<double>("add")),
        sleep_(context.params.get<double>("sleep_ms")),
        jitter_(context.params.get<bool>("jitter")),
        swap_pairs_(context.params.get<bool>("swap_pairs")),
        wait_for_(context.params.get<std::string>("wait_for")),
        recorder_(recorder) {
    if (const auto parties = context.params.get<std::int64_t>("meet")) meeting_.emplace(static_cast<int>(parties));
  }
  void process(Frame& frame) override {
    Event event{id_, frame.id(), value_of(frame.get(kIn)), 0, recorder_.now(), 0};
    if (meeting_) meeting_->arrive_and_wait();
    sleep_ms(jitter_ ? sleep_ * ((frame.id() * 7) % 5) / 2.0 : sleep_);
    if (swap_pairs_ && frame.id() % 2 == 0) recorder_.wait_for(id_, frame.id() + 1);
    if (!wait_for_.empty()) recorder_.wait_for(wait_for_, frame.id());
    event.end = recorder_.now();
    recorder_.add(event);
    frame.put(kOut, scalar(event.value + add_));
  }
  // Records "<id>.close" with the intra-op threads it was given as its value.
  void close() override {
    recorder_.add(Event{id_ + ".close", 0, static_cast<double>(at::get_num_threads()), 0, recorder_.now(),
                        recorder_.now()});
  }

 private:
  std::string id_;
  double add_, sleep_;
  bool jitter_, swap_pairs_;
  std::string wait_for_;
  std::optional<Rendezvous> meeting_;
  Recorder& recorder_;
};

// test.sum: a join of two inputs.
class Sum : public Node {
 public:
  static NodeSchema schema() {
    return NodeSchema("test.sum", "a + b").input(kA, "a").input(kB, "b").output(kOut, "a + b");
  }
  Sum(const NodeContext& context, Recorder& recorder) : id_(context.id), recorder_(recorder) {}
  void process(Frame& frame) override {
    double a = value_of(frame.get(kA)), b = value_of(frame.get(kB));
    const auto now = recorder_.now();
    recorder_.add({id_, frame.id(), a, b, now, now});
    frame.put(kOut, scalar(a + b));
  }

 private:
  std::string id_;
  Recorder& recorder_;
};

// test.collect: the sink; records every value it receives.
class Collect : public Node {
 public:
  static NodeSchema schema() {
    return NodeSchema("test.collect", "records its input").optional_input(kIn, "a scalar");
  }
  Collect(const NodeContext& context, Recorder& recorder) : id_(context.id), recorder_(recorder) {}
  void process(Frame& frame) override {
    double value = frame.connected(kIn) ? value_of(frame.get(kIn)) : 0;
    const auto now = recorder_.now();
    recorder_.add({id_, frame.id(), value, 0, now, now});
    --recorder_.live;
  }

 private:
  std::string id_;
  Recorder& recorder_;
};

// test.fail: throws at frame `at`.
class Fail : public Node {
 public:
  static NodeSchema schema() {
    return NodeSchema("test.fail", "throws at one frame")
        .input(kIn, "a scalar")
        .output(kOut, "the input")
        .param(int_param("at", 0).doc("the frame that throws"))
        .parallel();
  }
  explicit Fail(const NodeContext& context) : at_(context.params.get<std::int64_t>("at")) {}
  void process(Frame& frame) override {
    if (frame.id() == at_) throw std::runtime_error("deliberate failure");
    frame.put(kOut, frame.get(kIn));
  }

 private:
  std::int64_t at_;
};

}  // namespace

void Recorder::wait_for(const std::string& node, FrameId frame) const {
  std::unique_lock<std::mutex> lock(mutex_);
  const bool recorded = added_.wait_for(lock, kWaitLimit, [&] {
    return std::any_of(events_.begin(), events_.end(), [&](const Event& e) { return e.node == node && e.frame == frame; });
  });
  if (!recorded)
    throw std::runtime_error("waited " + std::to_string(kWaitLimit.count()) + " s for node '" + node + "' to record frame " +
                             std::to_string(frame));
}

void Rendezvous::arrive_and_wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto generation = generation_;
  if (++arrived_ == parties_) {
    arrived_ = 0;
    ++generation_;
    changed_.notify_all();
    return;
  }
  if (!changed_.wait_for(lock, kWaitLimit, [&] { return generation_ != generation; }))
    throw std::runtime_error("waited " + std::to_string(kWaitLimit.count()) + " s for " + std::to_string(parties_) +
                             " callers at once; " + std::to_string(arrived_) + " came");
}

void add_test_nodes(Registry& registry, Recorder& recorder) {
  registry.add(recording_kind<Ticks>(Ticks::schema(), recorder));
  registry.add(recording_kind<Work>(Work::schema("test.work", Concurrency::Parallel, false), recorder));
  registry.add(recording_kind<Work>(Work::schema("test.work_serial", Concurrency::Serial, false), recorder));
  registry.add(recording_kind<Work>(Work::schema("test.compute", Concurrency::Parallel, true), recorder));
  registry.add(recording_kind<Sum>(Sum::schema(), recorder));
  registry.add(recording_kind<Collect>(Collect::schema(), recorder));
  registry.add_node<Fail>();
}

RunStats run_text(const std::string& toml, Registry& registry, const RunOptions& options) {
  Pipeline pipeline = validate(parse_pipeline_text(toml, "test.toml"), registry);
  return run_pipeline(pipeline, options);
}

}  // namespace munit::testing
