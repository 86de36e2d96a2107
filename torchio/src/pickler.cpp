// Protocol-2 pickles of the objects in pyobject.h, laid out as torch.save lays them out, so that
// torch.load (also with weights_only=True) reads them.
#include <cstring>
#include <map>
#include <unordered_map>
#include <stdexcept>

#include <ATen/ATen.h>

#include "pickle.h"

namespace munit::pickle {
namespace {

using py::Object;
using py::Type;

const char* storage_type(at::ScalarType dtype) {
  static const std::map<at::ScalarType, const char*> names = {
      {at::kFloat, "FloatStorage"}, {at::kDouble, "DoubleStorage"},     {at::kHalf, "HalfStorage"},
      {at::kBFloat16, "BFloat16Storage"}, {at::kLong, "LongStorage"},   {at::kInt, "IntStorage"},
      {at::kShort, "ShortStorage"}, {at::kChar, "CharStorage"},         {at::kByte, "ByteStorage"},
      {at::kBool, "BoolStorage"},
  };
  auto it = names.find(dtype);
  if (it == names.end()) throw std::invalid_argument(std::string("cannot save tensors of type ") + c10::toString(dtype));
  return it->second;
}

class Pickler {
 public:
  explicit Pickler(std::vector<StorageOut>& storages) : storages_(storages) {}

  std::string run(const Object& object) {
    out_ += "\x80\x02";
    save(object);
    out_ += '.';
    return std::move(out_);
  }

 private:
  template <class T>
  void raw(T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }
  void op(char code) { out_ += code; }
  void mark() { op('('); }

  void integer(std::int64_t value) {
    if (value >= 0 && value < 256) {
      op('K');
      raw<std::uint8_t>(static_cast<std::uint8_t>(value));
    } else if (value >= 0 && value < 65536) {
      op('M');
      raw<std::uint16_t>(static_cast<std::uint16_t>(value));
    } else if (value >= INT32_MIN && value <= INT32_MAX) {
      op('J');
      raw<std::int32_t>(static_cast<std::int32_t>(value));
    } else {
      op('\x8a');
      raw<std::uint8_t>(8);
      raw<std::int64_t>(value);
    }
  }
  void floating(double value) {
    op('G');
    unsigned char bytes[8];
    std::memcpy(bytes, &value, 8);
    for (int i = 7; i >= 0; --i) out_ += static_cast<char>(bytes[i]);
  }
  void string(const std::string& value) {
    op('X');
    raw<std::uint32_t>(static_cast<std::uint32_t>(value.size()));
    out_ += value;
  }
  void global(const char* module, const char* name) {
    op('c');
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void tuple(const std::vector<std::int64_t>& values) {
    mark();
    for (auto v : values) integer(v);
    op('t');
  }
  void empty_ordered_dict() {
    global("collections", "OrderedDict");
    op(')');
    op('R');
  }

  void tensor(const at::Tensor& value) {
    at::Tensor data = value.detach().to(at::kCPU).contiguous();
    if (data.storage_offset() != 0 || static_cast<std::int64_t>(data.storage().nbytes()) != data.nbytes())
      data = data.clone();
    std::string key = std::to_string(storages_.size());
    storages_.push_back({key, data});

    global("torch._utils", "_rebuild_tensor_v2");
    mark();
    mark();  // the persistent id
    string("storage");
    global("torch", storage_type(data.scalar_type()));
    string(key);
    string("cpu");
    integer(data.numel());
    op('t');
    op('Q');
    integer(0);
    tuple(data.sizes().vec());
    tuple(data.strides().vec());
    op('\x89');  // requires_grad
    empty_ordered_dict();  // backward hooks
    op('t');
    op('R');
  }

  // A container written before is referenced (BINGET) instead of written again: shared structure
  // stays shared and costs its size once, not once per path to it.
  bool recall(const Object& object) {
    auto it = memo_.find(object.identity());
    if (it == memo_.end()) return false;
    if (it->second < 256) {
      op('h');
      raw<std::uint8_t>(static_cast<std::uint8_t>(it->second));
    } else {
      op('j');
      raw<std::uint32_t>(static_cast<std::uint32_t>(it->second));
    }
    return true;
  }
  void memoize(const Object& object) {
    const std::size_t index = memo_.size();
    memo_.emplace(object.identity(), index);
    if (index < 256) {
      op('q');
      raw<std::uint8_t>(static_cast<std::uint8_t>(index));
    } else {
      op('r');
      raw<std::uint32_t>(static_cast<std::uint32_t>(index));
    }
  }

  void save(const Object& object, std::size_t depth = 0) {
    if (object.identity()) {
      if (recall(object)) return;
      if (++depth > kMaxNesting)
        throw std::invalid_argument("cannot save an object nested deeper than " + std::to_string(kMaxNesting) +
                                    " levels of containers (or one that contains itself)");
    }
    switch (object.type()) {
      case Type::None: op('N'); break;
      case Type::Bool: op(object.as_bool() ? '\x88' : '\x89'); break;
      case Type::Int: integer(object.as_int()); break;
      case Type::Float: floating(object.as_float()); break;
      case Type::String: string(object.as_string()); break;
      case Type::Tensor: tensor(object.as_tensor()); break;
      case Type::Tuple:
        mark();
        for (const auto& item : object.items()) save(item, depth);
        op('t');
        memoize(object);
        break;
      case Type::List:
        op(']');
        memoize(object);
        if (!object.items().empty()) {
          mark();
          for (const auto& item : object.items()) save(item, depth);
          op('e');
        }
        break;
      case Type::Dict:
        if (object.ordered()) empty_ordered_dict();
        else op('}');
        memoize(object);
        if (!object.entries().empty()) {
          mark();
          for (const auto& [key, value] : object.entries()) {
            save(key, depth);
            save(value, depth);
          }
          op('u');
        }
        if (!object.attributes().is_none()) {
          save(object.attributes(), depth);
          op('b');
        }
        break;
    }
  }

  std::vector<StorageOut>& storages_;
  std::string out_;
  std::unordered_map<const void*, std::size_t> memo_;  // container -> memo index
};

}  // namespace

std::string write(const py::Object& object, std::vector<StorageOut>& storages) {
  return Pickler(storages).run(object);
}

}  // namespace munit::pickle
