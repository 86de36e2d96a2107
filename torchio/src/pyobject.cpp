#include "torchio/pyobject.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

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

Object::~Object() {
  if (!container_ || container_.use_count() != 1) return;  // shared: another owner frees it later
  std::vector<std::shared_ptr<Container>> work;
  work.push_back(std::move(container_));
  while (!work.empty()) {
    std::shared_ptr<Container> container = std::move(work.back());
    work.pop_back();
    // Held elsewhere too (perhaps by an entry still on the list): only let go of it.
    if (container.use_count() != 1) continue;
    for (Object& item : container->items)
      if (item.container_) work.push_back(std::move(item.container_));
    for (auto& [key, value] : container->entries) {
      if (key.container_) work.push_back(std::move(key.container_));
      if (value.container_) work.push_back(std::move(value.container_));
    }
    if (container->attributes && container->attributes.use_count() == 1 && container->attributes->container_)
      work.push_back(std::move(container->attributes->container_));
    // `container` is freed here; its children hold no containers any more, so that is shallow.
  }
}

namespace {

// The i-th object a container holds directly (items, then keys and values, then attributes), or null.
template <class Container>
const Object* child_of(const Container& c, std::size_t i) {
  if (i < c.items.size()) return &c.items[i];
  i -= c.items.size();
  if (i < 2 * c.entries.size()) return i % 2 ? &c.entries[i / 2].second : &c.entries[i / 2].first;
  i -= 2 * c.entries.size();
  return i == 0 && c.attributes ? c.attributes.get() : nullptr;
}

}  // namespace

std::size_t Object::depth(std::size_t limit) const {
  if (!container_) return 0;
  struct Step {
    const Container* container;
    std::size_t next = 0;    // the next child to look at
    std::size_t height = 1;  // of this container, as far as its children seen so far tell
  };
  std::unordered_map<const Container*, std::size_t> heights;  // containers already walked
  std::unordered_set<const Container*> on_path;
  std::vector<Step> path{{container_.get()}};
  on_path.insert(container_.get());
  auto too_deep = [&] {
    throw std::invalid_argument("nested deeper than " + std::to_string(limit) + " levels of containers");
  };
  if (limit == 0) too_deep();
  while (true) {
    Step& step = path.back();
    const Object* child = child_of(*step.container, step.next++);
    if (!child) {  // every child seen: this container's height is known
      const std::size_t height = step.height;
      heights.emplace(step.container, height);
      on_path.erase(step.container);
      path.pop_back();
      if (path.empty()) return height;
      path.back().height = std::max(path.back().height, height + 1);
      if (path.back().height > limit) too_deep();
      continue;
    }
    const Container* inner = child->container_.get();
    if (!inner) continue;
    if (on_path.count(inner)) throw std::invalid_argument("a container contains itself");
    if (auto known = heights.find(inner); known != heights.end()) {
      step.height = std::max(step.height, known->second + 1);
      if (step.height > limit) too_deep();
      continue;
    }
    if (path.size() >= limit) too_deep();
    on_path.insert(inner);
    path.push_back({inner});
  }
}

void Object::dismantle() {
  if (!container_) return;
  std::vector<std::shared_ptr<Container>> found{container_};
  std::unordered_set<const Container*> seen{container_.get()};
  for (std::size_t i = 0; i < found.size(); ++i) {
    const Container& container = *found[i];
    for (std::size_t j = 0; const Object* child = child_of(container, j); ++j)
      if (child->container_ && seen.insert(child->container_.get()).second) found.push_back(child->container_);
  }
  for (const auto& container : found) {  // each still held by `found`: clearing frees nothing deep
    container->items.clear();
    container->entries.clear();
    container->attributes.reset();
  }
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
