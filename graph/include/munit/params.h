#pragma once
// Parameter declarations (type, default, range, help) and the validated values a node receives.
#include <array>
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

// Typed parameter constants: the name appears once, and the schema entry and the access share the
// type, as ports do. T is bool, int, std::int64_t, float, double, std::string, StringList or
// std::filesystem::path (a Path parameter).
//
//   static constexpr Param<std::int64_t> kBatch{"batch"};
//   schema: .param(spec(kBatch, 8).at_least(1).doc("images per frame"))
//   node:   const std::int64_t batch = context.params.get(kBatch);
template <class T>
struct Param {
  std::string_view name;
};

// A string parameter with a fixed set of values, read as an enum.
//
//   enum class Policy { Step, Constant };
//   static constexpr ChoiceParam<Policy, 2> kPolicy{"lr_policy", {{{"step", Policy::Step}, {"constant", Policy::Constant}}}};
template <class E, std::size_t N>
struct ChoiceParam {
  std::string_view name;
  std::array<std::pair<std::string_view, E>, N> choices;

  std::string_view name_of(E value) const {
    for (const auto& [text, e] : choices)
      if (e == value) return text;
    throw std::logic_error("parameter '" + std::string(name) + "' has no name for this value");
  }
};

// Names a resource of type R declared in [models.*] or [optimizers.*] (its `section`).
template <class R>
struct ResourceParam {
  std::string_view name;
  std::string_view section;
};

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

// The schema entry of a typed parameter; without a default it is required.
template <class T>
ParamSpec spec(Param<T> param, std::optional<typename Undeduced<T>::type> def = {}) {
  ParamSpec p{std::string(param.name), param_type_of<T>()};
  if (!def) return p;
  if constexpr (std::is_same_v<T, int>) p.default_value = static_cast<std::int64_t>(*def);
  else if constexpr (std::is_same_v<T, float>) p.default_value = static_cast<double>(*def);
  else if constexpr (std::is_same_v<T, std::filesystem::path>) p.default_value = def->string();
  else p.default_value = *def;
  return p;
}
template <class E, std::size_t N>
ParamSpec spec(const ChoiceParam<E, N>& param, std::optional<typename Undeduced<E>::type> def = {}) {
  ParamSpec p{std::string(param.name), ParamType::String};
  for (const auto& choice : param.choices) p.choices.emplace_back(choice.first);
  if (def) p.default_value = std::string(param.name_of(*def));
  return p;
}
template <class R>
ParamSpec spec(ResourceParam<R> param) {
  ParamSpec p{std::string(param.name), ParamType::Resource};
  p.section = std::string(param.section);
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
  T get(Param<T> param) const {
    if constexpr (std::is_same_v<T, std::filesystem::path>) return get<std::string>(std::string(param.name));
    else return get<T>(std::string(param.name));
  }
  template <class E, std::size_t N>
  E get(const ChoiceParam<E, N>& param) const {
    const auto text = get<std::string>(std::string(param.name));
    for (const auto& [name, value] : param.choices)
      if (name == text) return value;
    throw std::logic_error("parameter '" + std::string(param.name) + "' has the undeclared value '" + text + "'");
  }
  // The resource's name; NodeContext::resource() looks it up.
  template <class R>
  std::string get(ResourceParam<R> param) const {
    return get<std::string>(std::string(param.name));
  }

  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace munit
