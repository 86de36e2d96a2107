#pragma once
// The Python objects a torch.save file holds, as far as checkpoints use them: None, bool, int,
// float, str, tensors, lists, tuples, dicts and OrderedDicts (state dicts, with their `_metadata`
// attribute kept so that a file read and written again says what it said). Containers have reference
// semantics, as in Python: a pickle may fill a list or dict after it has been referenced.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace munit::py {

class Object;
using Items = std::vector<Object>;
using Entries = std::vector<std::pair<Object, Object>>;

enum class Type { None, Bool, Int, Float, String, Tensor, List, Tuple, Dict };
const char* type_name(Type type);

class Object {
 public:
  Object() = default;  // None
  Object(const Object&) = default;
  Object(Object&&) noexcept = default;
  Object& operator=(const Object&) = default;
  Object& operator=(Object&&) noexcept = default;
  // Frees a container tree without recursion (children go onto a work list), so no depth of
  // nesting can overflow the stack.
  ~Object();
  static Object boolean(bool value);
  static Object integer(std::int64_t value);
  static Object floating(double value);
  static Object string(std::string value);
  static Object tensor(at::Tensor value);
  static Object list(Items items = {});
  static Object tuple(Items items = {});
  // `ordered`: a collections.OrderedDict; `attributes`: its instance dict (e.g. `_metadata`).
  static Object dict(Entries entries = {}, bool ordered = false);
  static Object dict(Entries entries, bool ordered, Object attributes);

  Type type() const { return type_; }
  bool is_none() const { return type_ == Type::None; }
  bool is(Type type) const { return type_ == type; }

  // Each throws std::invalid_argument naming what was expected and what was found.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_float() const;  // int or float
  const std::string& as_string() const;
  const at::Tensor& as_tensor() const;
  const Items& items() const;  // list or tuple
  Items& items();
  const Entries& entries() const;  // dict
  Entries& entries();
  bool ordered() const;             // dict only
  const Object& attributes() const;  // dict only
  void set_attributes(Object attributes);

  // Dict lookup by string or integer key; find() returns null when absent, at() throws.
  const Object* find(std::string_view key) const;
  const Object& at(std::string_view key) const;
  const Object* find(std::int64_t key) const;

  // The container this object shares with its copies (null for None, numbers, strings, tensors).
  const void* identity() const { return container_.get(); }

  // The longest chain of containers below and including this one (0 for a scalar; a container
  // reached along several paths is walked once). Throws std::invalid_argument when it exceeds
  // `limit` ("nested deeper than ...") or a container contains itself. Iterative: any depth is safe.
  std::size_t depth(std::size_t limit) const;

  // Empties every container reachable from this one: frees a discarded structure that contains
  // itself, which reference counting cannot.
  void dismantle();

  // One-line description for messages, e.g. "dict with 3 entries", "tensor float[16, 3, 7, 7]".
  std::string describe() const;

 private:
  struct Container {
    Items items;
    Entries entries;
    bool ordered = false;
    std::shared_ptr<Object> attributes;
  };

  explicit Object(Type type) : type_(type) {}
  [[noreturn]] void wrong_type(const char* wanted) const;

  Type type_ = Type::None;
  bool bool_ = false;
  std::int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<std::string> string_;
  at::Tensor tensor_;
  std::shared_ptr<Container> container_;
};

}  // namespace munit::py
