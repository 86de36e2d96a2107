#include "optimizer_config.h"

#include <yaml-cpp/yaml.h>

namespace munit::optim {
namespace {

class KeyReader {
 public:
  KeyReader(const YAML::Node& mapping, const std::string& source, std::vector<Diagnostic>& problems)
      : mapping_(mapping), source_(source), problems_(problems) {}

  template <class T, class Check>
  void read(const char* key, T& field, Check valid, const char* expected) {
    const YAML::Node value = mapping_[key];
    if (!value) return;
    T parsed{};
    bool ok = value.IsScalar();
    if (ok) {
      try {
        parsed = value.as<T>();
      } catch (const YAML::Exception&) {
        ok = false;
      }
    }
    if (ok && valid(parsed)) {
      field = parsed;
      return;
    }
    const YAML::Mark mark = value.Mark();
    const std::string found = value.IsScalar() ? value.Scalar() : "a mapping or list";
    problems_.push_back({{source_, mark.line + 1, mark.column + 1}, std::string("'") + key + "'",
                         std::string("expected ") + expected + ", found '" + found + "'"});
  }

 private:
  const YAML::Node& mapping_;
  const std::string& source_;
  std::vector<Diagnostic>& problems_;
};

}  // namespace

OptimizerConfig read_optimizer_config(const YAML::Node& mapping, const std::string& source,
                                      std::vector<Diagnostic>& problems) {
  OptimizerConfig config;
  if (!mapping.IsMap()) return config;
  KeyReader keys(mapping, source, problems);
  const auto non_negative = [](double v) { return v >= 0; };
  const char* number = "a number >= 0";
  keys.read("lr", config.lr, non_negative, number);
  keys.read("beta1", config.beta1, non_negative, number);
  keys.read("beta2", config.beta2, non_negative, number);
  keys.read("weight_decay", config.weight_decay, non_negative, number);
  keys.read("lr_policy", config.lr_policy, [](const std::string& v) { return v == "step" || v == "constant"; },
            "one of: step, constant");
  keys.read("step_size", config.step_size, [](std::int64_t v) { return v >= 1; }, "an integer >= 1");
  keys.read("gamma", config.gamma, non_negative, number);
  return config;
}

}  // namespace munit::optim
