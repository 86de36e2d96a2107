#pragma once
// Runs one node kind on one frame, outside any graph: for unit tests of node families.
#include <atomic>
#include <map>
#include <memory>
#include <spdlog/spdlog.h>

#include "munit/registry.h"

namespace munit::testing {

// Where a node runs: the executor's resolved [pipeline] device, precision and channels_last.
struct Placement {
  std::string device = "cpu";
  std::string precision = "fp32";
  bool channels_last = false;
};

class NodeHarness {
 public:
  NodeHarness(const Registry& registry, const std::string& kind, std::map<std::string, ParamValue> params = {},
              std::uint64_t seed = 1, Resources* resources = nullptr, bool training = false, Placement placement = {})
      : kind_(registry.node(kind)) {
    if (!kind_) throw std::logic_error("no kind " + kind);
    for (const auto& spec : kind_->schema.params)
      if (!params.count(spec.name) && spec.default_value) params[spec.name] = *spec.default_value;
    NodeContext context;
    context.id = "under_test";
    context.params = Params(std::move(params));
    context.log = spdlog::default_logger();
    context.seed = seed;
    context.device = placement.device;
    context.precision = placement.precision;
    context.channels_last = placement.channels_last;
    context.resources = resources;
    context.training = training;
    context.interrupted = interrupted_.get();
    node_ = kind_->create(context);
  }

  // The node's outputs for one frame (empty when the node ended the stream). A name given several
  // times feeds a list input in that order.
  std::vector<Packet> process(FrameId id, const std::vector<std::pair<std::string, Packet>>& inputs = {}) {
    std::vector<Frame::Input> bound;
    for (const auto& port : kind_->schema.inputs) {
      Frame::Input input{port.name, {}};
      for (const auto& [name, value] : inputs)
        if (name == port.name) input.packets.push_back(&value);
      bound.push_back(std::move(input));
    }
    Frame frame(id, std::move(bound), kind_->schema.outputs);
    node_->process(frame);
    if (frame.ended() || frame.skipped()) return {};  // no outputs: the stream ended, or this frame carries nothing
    return std::move(frame.outputs());
  }

  Node& node() { return *node_; }

  // As a signal would: the node's close() then learns that the run stopped early.
  void interrupt() { interrupted_->store(true); }

 private:
  std::unique_ptr<std::atomic<bool>> interrupted_ = std::make_unique<std::atomic<bool>>(false);
  const NodeKind* kind_;
  std::unique_ptr<Node> node_;
};

}  // namespace munit::testing
