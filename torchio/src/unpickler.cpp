// A restricted unpickler: the opcodes of protocols 0 to 5, and only the callables torch.save files
// of tensors and state dicts use. Anything else is refused by name.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include <ATen/ATen.h>

#include "pickle.h"

namespace munit::pickle {
namespace {

using py::Object;
using py::Type;

// What the pickle stack holds: Python objects, plus the few things that only live on the stack
// while an object is being built (a global's name, a storage, the arguments of a call).
struct Value {
  Object object;
  std::string global;  // "module.name" of a GLOBAL
  std::optional<at::Storage> storage;
  at::ScalarType storage_dtype = at::kFloat;
  std::int64_t storage_offset = 0;  // elements, for legacy storage views
  std::shared_ptr<std::vector<Value>> tuple;  // a tuple, kept as values until it becomes an object
  std::size_t tuple_depth = 0;                 // levels of such tuples, bounded by kMaxNesting
  bool mark = false;
};

const std::map<std::string, at::ScalarType>& storage_types() {
  static const std::map<std::string, at::ScalarType> types = {
      {"torch.FloatStorage", at::kFloat},   {"torch.DoubleStorage", at::kDouble},
      {"torch.HalfStorage", at::kHalf},     {"torch.BFloat16Storage", at::kBFloat16},
      {"torch.LongStorage", at::kLong},     {"torch.IntStorage", at::kInt},
      {"torch.ShortStorage", at::kShort},   {"torch.CharStorage", at::kChar},
      {"torch.ByteStorage", at::kByte},     {"torch.BoolStorage", at::kBool},
  };
  return types;
}

class Unpickler {
 public:
  Unpickler(std::string_view bytes, std::size_t offset, const StorageLoader& storages)
      : bytes_(bytes), pos_(offset), storages_(storages) {}

  Object run() {
    while (true) {
      std::size_t at_opcode = pos_;
      unsigned char op = byte();
      try {
        if (op == '.') break;
        step(op);
      } catch (const std::out_of_range&) {
        fail(at_opcode, "truncated");
      } catch (const std::invalid_argument& e) {
        fail(at_opcode, e.what());
      }
    }
    if (stack_.size() != 1) fail(pos_, "malformed pickle (stack holds " + std::to_string(stack_.size()) + " items at STOP)");
    Object result = to_object(stack_.back());
    // The result and whatever the memo kept (a cycle left there would never be freed), walked once.
    py::Items everything{result};
    for (auto& [index, value] : memo_) collect(value, everything);
    try {
      Object::list(std::move(everything)).depth(kMaxNesting + 1);
    } catch (const std::invalid_argument& e) {
      const bool deep = std::string_view(e.what()).rfind("nested deeper", 0) == 0;  // one level is the wrapper's
      fail(pos_, deep ? "nested deeper than " + std::to_string(kMaxNesting) + " levels of containers" : e.what());
    }
    return result;
  }

  // After a refusal: frees what was read, also structures that contain themselves.
  void dismantle() {
    for (Value& value : stack_) dismantle(value);
    for (auto& [index, value] : memo_) dismantle(value);
  }

  std::size_t position() const { return pos_; }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw std::runtime_error("pickle byte " + std::to_string(at) + ": " + what);
  }

  // --- reading bytes ---
  unsigned char byte() {
    if (pos_ >= bytes_.size()) throw std::out_of_range("end of data");
    return static_cast<unsigned char>(bytes_[pos_++]);
  }
  std::string_view take(std::size_t n) {
    if (n > bytes_.size() - pos_) throw std::out_of_range("end of data");
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  template <class T>
  T little_endian() {
    std::string_view raw = take(sizeof(T));
    T value;
    std::memcpy(&value, raw.data(), sizeof(T));
    return value;
  }
  std::string line() {
    std::size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) throw std::out_of_range("end of data");
    std::string out(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  std::int64_t signed_bytes(std::size_t n) {  // LONG1/LONG4: two's complement, little-endian
    if (n > 8) throw std::invalid_argument("integer wider than 64 bits");
    std::string_view raw = take(n);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < n; ++i) value |= std::uint64_t(static_cast<unsigned char>(raw[i])) << (8 * i);
    if (n > 0 && n < 8 && (static_cast<unsigned char>(raw[n - 1]) & 0x80)) value |= ~std::uint64_t(0) << (8 * n);
    return static_cast<std::int64_t>(value);
  }

  // --- the stack ---
  void push(Object object) { stack_.push_back(Value{std::move(object)}); }
  void push(Value value) { stack_.push_back(std::move(value)); }
  Value pop() {
    if (stack_.empty()) throw std::invalid_argument("stack underflow");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.empty()) throw std::invalid_argument("stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_to_mark() {
    std::size_t i = stack_.size();
    while (i > 0 && !stack_[i - 1].mark) --i;
    if (i == 0) throw std::invalid_argument("MARK missing");
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + i), std::make_move_iterator(stack_.end()));
    stack_.resize(i - 1);
    return items;
  }
  static void collect(const Value& value, py::Items& objects) {
    if (value.object.identity()) objects.push_back(value.object);
    if (value.tuple)
      for (const Value& part : *value.tuple) collect(part, objects);
  }

  static void dismantle(Value& value) {
    value.object.dismantle();
    if (value.tuple)
      for (Value& part : *value.tuple) dismantle(part);  // tuple_depth bounds this recursion
  }

  Value make_tuple(std::vector<Value> items) {
    Value v;
    for (const Value& part : items) v.tuple_depth = std::max(v.tuple_depth, part.tuple_depth + 1);
    if (v.tuple_depth == 0) v.tuple_depth = 1;
    if (v.tuple_depth > kMaxNesting)
      throw std::invalid_argument("nested deeper than " + std::to_string(kMaxNesting) + " levels of containers");
    v.tuple = std::make_shared<std::vector<Value>>(std::move(items));
    return v;
  }

  Object to_object(const Value& v) const {
    if (v.tuple) {
      py::Items items;
      for (const auto& part : *v.tuple) items.push_back(to_object(part));
      return Object::tuple(std::move(items));
    }
    if (!v.global.empty()) throw std::invalid_argument("unsupported Python object '" + v.global + "'");
    if (v.storage) throw std::invalid_argument("a storage outside a tensor");
    if (v.mark) throw std::invalid_argument("stray MARK");
    return v.object;
  }
  std::vector<Value>& tuple_of(Value& v, std::size_t minimum, const char* what) {
    if (!v.tuple || v.tuple->size() < minimum)
      throw std::invalid_argument(std::string("bad arguments to ") + what);
    return *v.tuple;
  }

  void memo_put(std::uint64_t index) { memo_[index] = top(); }
  void memo_get(std::uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) throw std::invalid_argument("memo entry " + std::to_string(index) + " missing");
    push(it->second);
  }

  void set_items(Value& target, std::vector<Value>& flat) {
    if (flat.size() % 2) throw std::invalid_argument("SETITEMS with an odd number of items");
    py::Entries& entries = target.object.entries();
    for (std::size_t i = 0; i < flat.size(); i += 2) {
      Object key = to_object(flat[i]);
      Object value = to_object(flat[i + 1]);
      bool replaced = false;
      for (auto& [k, v] : entries) {
        if (k.type() == key.type() &&
            ((key.is(Type::String) && k.as_string() == key.as_string()) ||
             (key.is(Type::Int) && k.as_int() == key.as_int()))) {
          v = value;
          replaced = true;
        }
      }
      if (!replaced) entries.emplace_back(std::move(key), std::move(value));
    }
  }

  void step(unsigned char op) {
    switch (op) {
      case 0x80: byte(); break;                      // PROTO
      case 0x95: take(8); break;                     // FRAME
      case '(': { Value m; m.mark = true; push(std::move(m)); break; }
      case 'N': push(Object()); break;
      case 0x88: push(Object::boolean(true)); break;
      case 0x89: push(Object::boolean(false)); break;
      case 'J': push(Object::integer(little_endian<std::int32_t>())); break;
      case 'K': push(Object::integer(byte())); break;
      case 'M': push(Object::integer(little_endian<std::uint16_t>())); break;
      case 0x8a: { std::size_t n = byte(); push(Object::integer(signed_bytes(n))); break; }
      case 0x8b: { auto n = little_endian<std::uint32_t>(); push(Object::integer(signed_bytes(n))); break; }
      case 'I': {
        std::string text = line();
        if (text == "01") push(Object::boolean(true));
        else if (text == "00") push(Object::boolean(false));
        else push(Object::integer(std::stoll(text)));
        break;
      }
      case 'L': {
        std::string text = line();
        if (!text.empty() && text.back() == 'L') text.pop_back();
        push(Object::integer(std::stoll(text)));
        break;
      }
      case 'G': {
        std::string_view raw = take(8);
        unsigned char be[8];
        for (int i = 0; i < 8; ++i) be[i] = static_cast<unsigned char>(raw[7 - i]);
        double value;
        std::memcpy(&value, be, 8);
        push(Object::floating(value));
        break;
      }
      case 'F': push(Object::floating(std::stod(line()))); break;
      case 'X': { auto n = little_endian<std::uint32_t>(); push(Object::string(std::string(take(n)))); break; }
      case 0x8c: { std::size_t n = byte(); push(Object::string(std::string(take(n)))); break; }
      case 0x8d: { auto n = little_endian<std::uint64_t>(); push(Object::string(std::string(take(n)))); break; }
      case 'T': { auto n = little_endian<std::int32_t>(); push(Object::string(std::string(take(n)))); break; }
      case 'U': { std::size_t n = byte(); push(Object::string(std::string(take(n)))); break; }
      case 'B': { auto n = little_endian<std::uint32_t>(); push(Object::string(std::string(take(n)))); break; }
      case 'C': { std::size_t n = byte(); push(Object::string(std::string(take(n)))); break; }
      case ')': push(make_tuple({})); break;
      case 't': push(make_tuple(pop_to_mark())); break;
      case 0x85: { Value a = pop(); push(make_tuple({std::move(a)})); break; }
      case 0x86: { Value b = pop(); Value a = pop(); push(make_tuple({std::move(a), std::move(b)})); break; }
      case 0x87: {
        Value c = pop(); Value b = pop(); Value a = pop();
        push(make_tuple({std::move(a), std::move(b), std::move(c)}));
        break;
      }
      case ']': push(Object::list()); break;
      case 'l': {
        py::Items items;
        for (auto& v : pop_to_mark()) items.push_back(to_object(v));
        push(Object::list(std::move(items)));
        break;
      }
      case 'a': { Value item = pop(); top().object.items().push_back(to_object(item)); break; }
      case 'e': {
        std::vector<Value> items = pop_to_mark();
        py::Items& list = top().object.items();
        for (auto& v : items) list.push_back(to_object(v));
        break;
      }
      case '}': push(Object::dict()); break;
      case 'd': {
        std::vector<Value> flat = pop_to_mark();
        push(Object::dict());
        set_items(top(), flat);
        break;
      }
      case 's': {
        std::vector<Value> flat(2);
        flat[1] = pop();
        flat[0] = pop();
        set_items(top(), flat);
        break;
      }
      case 'u': {
        std::vector<Value> flat = pop_to_mark();
        set_items(top(), flat);
        break;
      }
      case 'c': {
        std::string module = line();
        std::string name = line();
        Value v;
        v.global = module + "." + name;
        push(std::move(v));
        break;
      }
      case 0x93: {
        Value name = pop();
        Value module = pop();
        Value v;
        v.global = module.object.as_string() + "." + name.object.as_string();
        push(std::move(v));
        break;
      }
      case 'R': {
        Value args = pop();
        Value callable = pop();
        push(call(callable, args));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        Value args = pop();
        Value cls = pop();
        push(call(cls, args));
        break;
      }
      case 'b': {
        Value state = pop();
        build(top(), state);
        break;
      }
      case 'q': memo_put(byte()); break;
      case 'r': memo_put(little_endian<std::uint32_t>()); break;
      case 'p': memo_put(std::stoull(line())); break;
      case 0x94: memo_put(memo_.size()); break;
      case 'h': memo_get(byte()); break;
      case 'j': memo_get(little_endian<std::uint32_t>()); break;
      case 'g': memo_get(std::stoull(line())); break;
      case 'Q': { Value id = pop(); push(persistent_load(id)); break; }
      case '2': push(top()); break;
      case '0': pop(); break;
      case '1': pop_to_mark(); break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        throw std::invalid_argument(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  Value persistent_load(Value& id) {
    std::vector<Value>& parts = tuple_of(id, 5, "a persistent id");
    Object kind = to_object(parts[0]);
    if (!kind.is(Type::String) || kind.as_string() != "storage")
      throw std::invalid_argument("unsupported persistent id (not a storage)");
    auto type = storage_types().find(parts[1].global);
    if (type == storage_types().end())
      throw std::invalid_argument("unsupported storage type '" + parts[1].global + "'");
    StorageRef ref{type->second, to_object(parts[2]).as_string(), to_object(parts[4]).as_int(), std::nullopt};
    if (parts.size() > 5) {
      Object view = to_object(parts[5]);
      if (!view.is_none()) {
        const py::Items& v = view.items();
        if (v.size() != 3) throw std::invalid_argument("bad storage view");
        ref.view = StorageRef::View{v[0].as_string(), v[1].as_int(), v[2].as_int()};
      }
    }
    Value storage;
    storage.storage = storages_(ref);
    storage.storage_dtype = ref.dtype;
    storage.storage_offset = ref.view ? ref.view->offset : 0;
    return storage;
  }

  static std::vector<std::int64_t> ints(const Object& tuple) {
    std::vector<std::int64_t> out;
    for (const auto& item : tuple.items()) out.push_back(item.as_int());
    return out;
  }

  Value rebuild_tensor(std::vector<Value>& args) {
    const Value& storage = args[0];
    if (!storage.storage) throw std::invalid_argument("tensor without a storage");
    std::vector<std::int64_t> size = ints(to_object(args[2]));
    std::vector<std::int64_t> stride = ints(to_object(args[3]));
    if (size.size() != stride.size()) throw std::invalid_argument("tensor size and stride differ in rank");
    std::int64_t offset = storage.storage_offset + to_object(args[1]).as_int();
    // The last element addressed must lie inside the storage.
    std::int64_t last = offset;
    bool empty = false;
    for (std::size_t i = 0; i < size.size(); ++i) {
      if (size[i] < 0 || stride[i] < 0) throw std::invalid_argument("negative tensor size or stride");
      if (size[i] == 0) empty = true;
      else last += (size[i] - 1) * stride[i];
    }
    std::int64_t element = static_cast<std::int64_t>(c10::elementSize(storage.storage_dtype));
    if (!empty && (offset < 0 || (last + 1) * element > static_cast<std::int64_t>(storage.storage->nbytes())))
      throw std::invalid_argument("tensor extends past the end of its storage");
    at::Tensor t = at::empty({0}, at::TensorOptions().dtype(storage.storage_dtype));
    t.set_(*storage.storage, offset, size, stride);
    Value out;
    out.object = Object::tensor(t);
    return out;
  }

  Value call(Value& callable, Value& args_value) {
    const std::string& name = callable.global;
    if (name.empty()) throw std::invalid_argument("call of something that is not a global");
    std::vector<Value>& args = tuple_of(args_value, 0, name.c_str());
    if (name == "collections.OrderedDict") {
      Value out;
      out.object = Object::dict({}, true);
      if (!args.empty()) {  // OrderedDict([[key, value], ...]) from older pickles
        std::vector<Value> flat;
        for (const auto& pair : to_object(args[0]).items()) {
          const py::Items& kv = pair.items();
          if (kv.size() != 2) throw std::invalid_argument("bad OrderedDict item");
          flat.push_back(Value{kv[0]});
          flat.push_back(Value{kv[1]});
        }
        set_items(out, flat);
      }
      return out;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      tuple_of(args_value, 4, name.c_str());
      return rebuild_tensor(args);
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      tuple_of(args_value, 1, name.c_str());
      return args[0];
    }
    if (name == "torch._tensor._rebuild_from_type_v2") {  // (func, type, args, state)
      tuple_of(args_value, 3, name.c_str());
      return call(args[0], args[2]);
    }
    if (name == "builtins.tuple" || name == "torch.Size") {
      if (args.empty()) return make_tuple({});
      Value out = make_tuple({});
      for (const auto& item : to_object(args[0]).items()) out.tuple->push_back(Value{item});
      return out;
    }
    throw std::invalid_argument("unsupported Python object '" + name +
                                "' (only tensors, containers, numbers and strings are read)");
  }

  void build(Value& target, Value& state) {
    if (target.object.is(Type::Dict)) {  // an OrderedDict's instance attributes, e.g. _metadata
      Object attributes = to_object(state);
      if (attributes.is(Type::Tuple) && !attributes.items().empty()) attributes = attributes.items()[0];
      if (!attributes.is_none()) target.object.set_attributes(attributes);
      return;
    }
    if (target.object.is(Type::Tensor)) return;  // tensor state (hooks, names): nothing checkpoints need
    throw std::invalid_argument("BUILD on " + target.object.describe());
  }

  std::string_view bytes_;
  std::size_t pos_;
  const StorageLoader& storages_;
  std::vector<Value> stack_;
  std::map<std::uint64_t, Value> memo_;
};

}  // namespace

py::Object read(std::string_view bytes, std::size_t& offset, const StorageLoader& storages) {
  Unpickler unpickler(bytes, offset, storages);
  try {
    py::Object result = unpickler.run();
    offset = unpickler.position();
    return result;
  } catch (...) {
    unpickler.dismantle();
    throw;
  }
}

}  // namespace munit::pickle
