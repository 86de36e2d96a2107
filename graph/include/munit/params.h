#pragma once
// Parameter declarations (type, default, range, help) and the validated values a node receives.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
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

  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace munit
