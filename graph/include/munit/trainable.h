#pragma once
// What an optimizer needs of a model resource: its tensors with their state-dict names, in a fixed
// order (the order optimizer states are numbered in). A model resource type derives from Trainable
// to be updated by optim.adam; built-in and plugin models alike.
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace munit {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class Trainable {
 public:
  virtual ~Trainable() = default;
  virtual NamedTensors named_parameters() const = 0;
  virtual NamedTensors named_buffers() const = 0;
};

}  // namespace munit
