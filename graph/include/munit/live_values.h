#pragma once
// Values nodes put on the console's progress line, e.g. io.metrics' latest losses:
// "frame 1200/5000 (3.10 frames/s, ETA 0h20m26s) | step_gen.total 2.314 step_dis.total 0.498".
// One per run, reached through NodeContext::live_values.
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/fmt/fmt.h>

namespace munit {

class LiveValues {
 public:
  void show(const std::string& name, double value) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& entry : values_)
      if (entry.first == name) {
        entry.second = value;
        return;
      }
    values_.emplace_back(name, value);
  }

  // " | name value ..." in the order first shown, or "" when there is none.
  std::string line() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (values_.empty()) return "";
    std::string line = " |";
    for (const auto& [name, value] : values_) line += fmt::format(" {} {:.4g}", name, value);
    return line;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, double>> values_;  // few entries: a linear search is fine
};

}  // namespace munit
