#pragma once
// The node contract. Life cycle: the executor constructs a node from its NodeContext (validated
// parameters, resources, logger) before the first frame, calls process() once per frame, then
// close() after the last frame on the thread that ran the graph. A Serial node's process() never
// overlaps itself and sees frames in order; a Parallel node's may run on several frames at once,
// so it must not mutate members without its own synchronisation. process() may run on any thread:
// the executor sets LibTorch's thread-local state (grad mode, autocast, intra-op threads) around
// every call.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "munit/live_values.h"
#include "munit/params.h"
#include "munit/schema.h"
#include "munit/value.h"

namespace munit {

class Trainable;  // munit/trainable.h

// Models and optimizers by name. A resource type declares `static constexpr const char* kKind`,
// which get<T>() checks, so a model cannot be taken for an optimizer.
class Resources {
 public:
  // `trainable`: the same object as the optimizer interface, when its type implements it.
  void add(std::string name, std::string kind, std::shared_ptr<void> object,
           std::shared_ptr<Trainable> trainable = nullptr) {
    items_[std::move(name)] = {std::move(kind), std::move(object), std::move(trainable)};
  }
  template <class T>
  std::shared_ptr<T> get(const std::string& name) const {
    auto it = items_.find(name);
    if (it == items_.end()) throw std::logic_error("no resource named '" + name + "'");
    if (it->second.kind != T::kKind)
      throw std::logic_error("resource '" + name + "' is a " + it->second.kind + ", not a " + T::kKind);
    return std::static_pointer_cast<T>(it->second.object);
  }
  // A model an optimizer can update; null when there is none by that name or it has no parameters.
  std::shared_ptr<Trainable> trainable(const std::string& name) const {
    auto it = items_.find(name);
    return it == items_.end() ? nullptr : it->second.trainable;
  }
  bool contains(const std::string& name) const { return items_.count(name) > 0; }
  // The kind a resource was declared with ("" if there is none by that name).
  std::string kind(const std::string& name) const {
    auto it = items_.find(name);
    return it == items_.end() ? std::string() : it->second.kind;
  }

 private:
  struct Item {
    std::string kind;
    std::shared_ptr<void> object;
    std::shared_ptr<Trainable> trainable;
  };
  std::map<std::string, Item> items_;
};

struct NodeContext {
  std::string id;       // the node's name in the pipeline
  Params params;        // validated against the schema, defaults filled in
  Resources* resources = nullptr;
  std::shared_ptr<spdlog::logger> log;
  std::uint64_t seed = 0;  // derived from the pipeline seed and the node id
  std::string device;      // resolved: "cpu", "cuda:0", ...
  bool training = false;
  std::string precision = "fp32";  // fp32 | bf16 | fp16: the autocast the executor sets around process()
  bool channels_last = false;      // [pipeline] channels_last: image batches and conv weights in NHWC
  LiveValues* live_values = nullptr;  // the run's progress line; null outside a run
  // Set once a signal stops the run early (ABI 4.1; null outside a run): close() then runs after
  // fewer frames than asked, and may skip work that needs them all (io.style_bank does).
  const std::atomic<bool>* interrupted = nullptr;

  // The resource a resource parameter names.
  template <class R>
  std::shared_ptr<R> resource(const ResourceParam<R>& param) const {
    return resources->get<R>(params.get(param));
  }
};

struct ResourceContext {
  std::string name;
  Params params;
  Resources* resources = nullptr;  // those declared before this one
  std::uint64_t seed = 0;
  std::string device;
  bool channels_last = false;  // convert 4-D weights to channels_last after loading

  template <class R>
  std::shared_ptr<R> resource(const ResourceParam<R>& param) const {
    return resources->get<R>(params.get(param));
  }
};

// One frame's inputs and outputs, as a node's process() sees them.
class Frame {
 public:
  struct Input {
    std::string_view name;
    std::vector<const Packet*> packets;  // empty: an optional input that is not connected
    const std::vector<std::string>* sources = nullptr;  // "node.port" of each packet, when known
  };

  Frame(FrameId id, std::vector<Input> inputs, const std::vector<PortSpec>& outputs)
      : id_(id), inputs_(std::move(inputs)), output_specs_(&outputs), outputs_(outputs.size()) {}

  FrameId id() const { return id_; }

  template <class T>
  const T& get(In<T> port) const {
    const auto& packets = find(port.name);
    if (packets.empty()) throw std::logic_error("input '" + std::string(port.name) + "' is not connected");
    return packets.front()->template as<T>();
  }
  // Every value of a list input, in the order the pipeline lists them.
  template <class T>
  std::vector<const T*> get_all(In<T> port) const {
    std::vector<const T*> values;
    for (const Packet* packet : find(port.name)) values.push_back(&packet->template as<T>());
    return values;
  }
  // Where each value of an input comes from, as the pipeline names it ("recon_x_a.raw"): keys for
  // logs. Empty outside a pipeline.
  template <class T>
  std::vector<std::string> sources(In<T> port) const {
    for (const auto& input : inputs_)
      if (input.name == port.name) return input.sources ? *input.sources : std::vector<std::string>{};
    throw std::logic_error("no input port '" + std::string(port.name) + "'");
  }
  template <class T>
  bool connected(In<T> port) const {
    return !find(port.name).empty();
  }

  template <class T>
  void put(Out<T> port, T value) {
    for (std::size_t i = 0; i < output_specs_->size(); ++i) {
      if ((*output_specs_)[i].name == port.name) {
        outputs_[i] = Packet::of(std::move(value));
        return;
      }
    }
    throw std::logic_error("no output port '" + std::string(port.name) + "'");
  }

  // For sources: this frame carries nothing and no later frame will; the run winds down.
  void end_of_stream() { ended_ = true; }
  bool ended() const { return ended_; }
  // This frame has nothing to carry (e.g. every file of its batch was unreadable): later nodes do
  // not run for it, and the stream goes on with the next frame.
  void skip() { skipped_ = true; }
  bool skipped() const { return skipped_; }

  std::vector<Packet>& outputs() { return outputs_; }

 private:
  const std::vector<const Packet*>& find(std::string_view name) const {
    for (const auto& input : inputs_)
      if (input.name == name) return input.packets;
    throw std::logic_error("no input port '" + std::string(name) + "'");
  }

  FrameId id_;
  std::vector<Input> inputs_;
  const std::vector<PortSpec>* output_specs_;
  std::vector<Packet> outputs_;
  bool ended_ = false;
  bool skipped_ = false;  // ABI 1.1
};

class Node {
 public:
  virtual ~Node() = default;
  virtual void process(Frame& frame) = 0;
  virtual void close() {}
};

}  // namespace munit
