#include "torchio/pyobject.h"

#include <sstream>
#include <stdexcept>

#include <ATen/ATen.h>

namespace munit::py {

const char* type_name(Type type) {
  switch (type) {
    case Type::None: return "None";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "str";
    case Type::Tensor: return "tensor";
    case Type::List: return "list";
    case Type::Tuple: return "tuple";
    case Type::Dict: return "dict";
  }
  return "?";
}

Object Object::boolean(bool value) {
  Object o(Type::Bool);
  o.bool_ = value;
  return o;
}
Object Object::integer(std::int64_t value) {
  Object o(Type::Int);
  o.int_ = value;
  return o;
}
Object Object::floating(double value) {
  Object o(Type::Float);
  o.float_ = value;
  return o;
}
Object Object::string(std::string value) {
  Object o(Type::String);
  o.string_ = std::make_shared<std::string>(std::move(value));
  return o;
}
Object Object::tensor(at::Tensor value) {
  Object o(Type::Tensor);
  o.tensor_ = std::move(value);
  return o;
}
Object Object::list(Items items) {
  Object o(Type::List);
  o.container_ = std::make_shared<Container>();
  o.container_->items = std::move(items);
  return o;
}
Object Object::tuple(Items items) {
  Object o = list(std::move(items));
  o.type_ = Type::Tuple;
  return o;
}
Object Object::dict(Entries entries, bool ordered) {
  Object o(Type::Dict);
  o.container_ = std::make_shared<Container>();
  o.container_->entries = std::move(entries);
  o.container_->ordered = ordered;
  return o;
}
Object Object::dict(Entries entries, bool ordered, Object attributes) {
  Object o = dict(std::move(entries), ordered);
  if (!attributes.is_none()) o.container_->attributes = std::make_shared<Object>(std::move(attributes));
  return o;
}

void Object::wrong_type(const char* wanted) const {
  throw std::invalid_argument(std::string("expected ") + wanted + ", found " + describe());
}

bool Object::as_bool() const {
  if (type_ != Type::Bool) wrong_type("a bool");
  return bool_;
}
std::int64_t Object::as_int() const {
  if (type_ == Type::Bool) return bool_;
  if (type_ != Type::Int) wrong_type("an int");
  return int_;
}
double Object::as_float() const {
  if (type_ == Type::Int) return static_cast<double>(int_);
  if (type_ != Type::Float) wrong_type("a float");
  return float_;
}
const std::string& Object::as_string() const {
  if (type_ != Type::String) wrong_type("a str");
  return *string_;
}
const at::Tensor& Object::as_tensor() const {
  if (type_ != Type::Tensor) wrong_type("a tensor");
  return tensor_;
}
const Items& Object::items() const {
  if (type_ != Type::List && type_ != Type::Tuple) wrong_type("a list or tuple");
  return container_->items;
}
Items& Object::items() {
  if (type_ != Type::List && type_ != Type::Tuple) wrong_type("a list or tuple");
  return container_->items;
}
const Entries& Object::entries() const {
  if (type_ != Type::Dict) wrong_type("a dict");
  return container_->entries;
}
Entries& Object::entries() {
  if (type_ != Type::Dict) wrong_type("a dict");
  return container_->entries;
}
bool Object::ordered() const { return type_ == Type::Dict && container_->ordered; }

const Object& Object::attributes() const {
  static const Object none;
  if (type_ != Type::Dict) wrong_type("a dict");
  return container_->attributes ? *container_->attributes : none;
}
void Object::set_attributes(Object attributes) {
  if (type_ != Type::Dict) wrong_type("a dict");
  container_->attributes = std::make_shared<Object>(std::move(attributes));
}

const Object* Object::find(std::string_view key) const {
  for (const auto& [k, v] : entries())
    if (k.type_ == Type::String && *k.string_ == key) return &v;
  return nullptr;
}
const Object& Object::at(std::string_view key) const {
  if (const Object* value = find(key)) return *value;
  throw std::invalid_argument("no key '" + std::string(key) + "' in " + describe());
}
const Object* Object::find(std::int64_t key) const {
  for (const auto& [k, v] : entries())
    if (k.type_ == Type::Int && k.int_ == key) return &v;
  return nullptr;
}

std::string Object::describe() const {
  std::ostringstream out;
  switch (type_) {
    case Type::None: out << "None"; break;
    case Type::Bool: out << (bool_ ? "True" : "False"); break;
    case Type::Int: out << "int " << int_; break;
    case Type::Float: out << "float " << float_; break;
    case Type::String: out << "str '" << *string_ << "'"; break;
    case Type::Tensor: out << "tensor " << tensor_.scalar_type() << tensor_.sizes(); break;
    case Type::List:
    case Type::Tuple: out << type_name(type_) << " of " << container_->items.size(); break;
    case Type::Dict:
      out << (container_->ordered ? "OrderedDict" : "dict") << " with " << container_->entries.size() << " entries";
      break;
  }
  return out.str();
}

}  // namespace munit::py
