#pragma once
// Parameter declarations (type, default, range, help) and the validated values a node receives.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace munit {

// Path: a string resolved against the pipeline file's folder when relative.
enum class ParamType { Bool, Int, Float, String, StringList, Path, Resource };

using StringList = std::vector<std::string>;
using ParamValue = std::variant<bool, std::int64_t, double, std::string, StringList>;

inline const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::StringList: return "string list";
    case ParamType::Path: return "path";
    case ParamType::Resource: return "resource";
  }
  return "?";
}

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::String;
  std::optional<ParamValue> default_value;  // none: the parameter is required
  std::optional<double> min;
  std::optional<double> max;
  StringList choices;        // String: the accepted values (empty: any)
  std::string section;       // Resource: "models" or "optimizers"
  std::string help;

  ParamSpec& range(double lo, double hi) { min = lo; max = hi; return *this; }
  ParamSpec& at_least(double lo) { min = lo; return *this; }
  ParamSpec& one_of(StringList values) { choices = std::move(values); return *this; }
  ParamSpec& doc(std::string text) { help = std::move(text); return *this; }
};

inline ParamSpec bool_param(std::string name, std::optional<bool> def = {}) {
  ParamSpec p{std::move(name), ParamType::Bool};
  if (def) p.default_value = *def;
  return p;
}
inline ParamSpec int_param(std::string name, std::optional<std::int64_t> def = {}) {
  ParamSpec p{std::move(name), ParamType::Int};
  if (def) p.default_value = *def;
  return p;
}
inline ParamSpec float_param(std::string name, std::optional<double> def = {}) {
  ParamSpec p{std::move(name), ParamType::Float};
  if (def) p.default_value = *def;
  return p;
}
inline ParamSpec string_param(std::string name, std::optional<std::string> def = {}) {
  ParamSpec p{std::move(name), ParamType::String};
  if (def) p.default_value = *def;
  return p;
}
inline ParamSpec string_list_param(std::string name, std::optional<StringList> def = {}) {
  ParamSpec p{std::move(name), ParamType::StringList};
  if (def) p.default_value = *def;
  return p;
}
inline ParamSpec path_param(std::string name, std::optional<std::string> def = {}) {
  ParamSpec p{std::move(name), ParamType::Path};
  if (def) p.default_value = *def;
  return p;
}
// Names a resource declared in [models.*] or [optimizers.*].
inline ParamSpec resource_param(std::string name, std::string section) {
  ParamSpec p{std::move(name), ParamType::Resource};
  p.section = std::move(section);
  return p;
}

// A parameter declared once: the schema entry (default, range, help) and the C++ type its value is
// read as, in one constant that the schema lists and the node reads. T is bool, int, std::int64_t,
// float, double, std::string, StringList or std::filesystem::path (a Path parameter).
//
//   static inline const auto kBatch = param<std::int64_t>("batch", 8).at_least(1).doc("images per frame");
//   schema: .params_of(kBatch, ...)
//   node:   const std::int64_t batch = context.params.get(kBatch);
//
// The builder steps return a copy of the constant's own type, so the type survives the chain.
template <class Self>
struct TypedSpec : ParamSpec {
  Self range(double lo, double hi) const { return with([&](ParamSpec& p) { p.range(lo, hi); }); }
  Self at_least(double lo) const { return with([&](ParamSpec& p) { p.at_least(lo); }); }
  Self one_of(StringList values) const { return with([&](ParamSpec& p) { p.one_of(std::move(values)); }); }
  Self doc(std::string text) const { return with([&](ParamSpec& p) { p.doc(std::move(text)); }); }

 private:
  template <class Edit>
  Self with(Edit edit) const {
    Self copy = static_cast<const Self&>(*this);
    edit(copy);
    return copy;
  }
};

template <class T>
struct Param : TypedSpec<Param<T>> {};

// A string parameter with a fixed set of values, read as the value its text maps to (an enum).
//
//   static inline const auto kDraw = choice<Draw>("draw", {{"frame", Draw::Frame}, {"shared", Draw::Shared}}, Draw::Frame);
template <class E>
struct ChoiceParam : TypedSpec<ChoiceParam<E>> {
  std::vector<std::pair<std::string, E>> values;

  const std::string& text_of(E value) const {
    for (const auto& [text, e] : values)
      if (e == value) return text;
    throw std::logic_error("parameter '" + this->name + "' has no text for this value");
  }
};

// Names a resource of type R declared in [models.*] or [optimizers.*] (`section`).
template <class R>
struct ResourceParam : TypedSpec<ResourceParam<R>> {};

template <class T>
constexpr ParamType param_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ParamType::Bool;
  else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::int64_t>) return ParamType::Int;
  else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) return ParamType::Float;
  else if constexpr (std::is_same_v<T, std::string>) return ParamType::String;
  else if constexpr (std::is_same_v<T, StringList>) return ParamType::StringList;
  else {
    static_assert(std::is_same_v<T, std::filesystem::path>, "no parameter type for this C++ type");
    return ParamType::Path;
  }
}

template <class T>
struct Undeduced {
  using type = T;
};

// Without a default the parameter is required.
template <class T>
Param<T> param(std::string name, std::optional<typename Undeduced<T>::type> def = {}) {
  Param<T> p;
  p.name = std::move(name);
  p.type = param_type_of<T>();
  if (!def) return p;
  if constexpr (std::is_same_v<T, int>) p.default_value = static_cast<std::int64_t>(*def);
  else if constexpr (std::is_same_v<T, float>) p.default_value = static_cast<double>(*def);
  else if constexpr (std::is_same_v<T, std::filesystem::path>) p.default_value = def->string();
  else p.default_value = *def;
  return p;
}
template <class E>
ChoiceParam<E> choice(std::string name, std::vector<std::pair<std::string, typename Undeduced<E>::type>> values,
                      std::optional<typename Undeduced<E>::type> def = {}) {
  ChoiceParam<E> p;
  p.name = std::move(name);
  p.type = ParamType::String;
  p.values = std::move(values);
  for (const auto& value : p.values) p.choices.push_back(value.first);
  if (def) p.default_value = p.text_of(*def);
  return p;
}
template <class R>
ResourceParam<R> resource(std::string name, std::string section) {
  ResourceParam<R> p;
  p.name = std::move(name);
  p.type = ParamType::Resource;
  p.section = std::move(section);
  return p;
}

// Validated values: every declared parameter is present with its declared type.
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  template <class T>
  T get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::logic_error("no parameter '" + name + "' was declared");
    if constexpr (std::is_same_v<T, int>) {
      return static_cast<int>(std::get<std::int64_t>(it->second));
    } else if constexpr (std::is_same_v<T, float>) {
      return static_cast<float>(std::get<double>(it->second));
    } else {
      return std::get<T>(it->second);
    }
  }

  template <class T>
  T get(const Param<T>& param) const {
    if constexpr (std::is_same_v<T, std::filesystem::path>) return get<std::string>(param.name);
    else return get<T>(param.name);
  }
  template <class E>
  E get(const ChoiceParam<E>& param) const {
    const auto text = get<std::string>(param.name);
    for (const auto& [name, value] : param.values)
      if (name == text) return value;
    throw std::logic_error("parameter '" + param.name + "' has the undeclared value '" + text + "'");
  }
  // The resource's name; NodeContext::resource() looks it up.
  template <class R>
  std::string get(const ResourceParam<R>& param) const {
    return get<std::string>(param.name);
  }

  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace munit
