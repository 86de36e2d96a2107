#pragma once
// The closed set of value kinds that travel on edges, and the type-erased Packet that carries one.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace munit {

using FrameId = std::int64_t;

enum class ValueKind { Tensor, Image, Scalar, Signal };

inline std::string_view to_string(ValueKind kind) {
  switch (kind) {
    case ValueKind::Tensor: return "tensor";
    case ValueKind::Image: return "image";
    case ValueKind::Scalar: return "scalar";
    case ValueKind::Signal: return "signal";
  }
  return "?";
}

// Each payload type names its kind: template <> struct ValueTraits<T> { kind = ... };
template <class T>
struct ValueTraits;

// Ordering only: carries no data.
struct Signal {};
template <>
struct ValueTraits<Signal> {
  static constexpr ValueKind kind = ValueKind::Signal;
};

// An immutable value shared by every consumer of an output port.
class Packet {
 public:
  Packet() = default;

  template <class T>
  static Packet of(T value) {
    Packet packet;
    packet.kind_ = ValueTraits<T>::kind;
    packet.data_ = std::make_shared<const T>(std::move(value));
    return packet;
  }

  ValueKind kind() const { return kind_; }
  bool empty() const { return data_ == nullptr; }

  template <class T>
  const T& as() const {
    if (kind_ != ValueTraits<T>::kind || !data_)
      throw std::logic_error("packet holds " + std::string(to_string(kind_)) + ", not " +
                             std::string(to_string(ValueTraits<T>::kind)));
    return *static_cast<const T*>(data_.get());
  }

 private:
  ValueKind kind_ = ValueKind::Signal;
  std::shared_ptr<const void> data_;
};

}  // namespace munit
