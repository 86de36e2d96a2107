#include "munit/live_values.h"

#include <mutex>
#include <utility>
#include <vector>

#include <spdlog/fmt/fmt.h>

namespace munit {
namespace {

std::mutex mutex;
std::vector<std::pair<std::string, double>> values;  // few entries: a linear search is fine

}  // namespace

void show_live_value(const std::string& name, double value) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto& entry : values)
    if (entry.first == name) {
      entry.second = value;
      return;
    }
  values.emplace_back(name, value);
}

std::string live_values_line() {
  std::lock_guard<std::mutex> lock(mutex);
  if (values.empty()) return "";
  std::string line = " |";
  for (const auto& [name, value] : values) line += fmt::format(" {} {:.4g}", name, value);
  return line;
}

void clear_live_values() {
  std::lock_guard<std::mutex> lock(mutex);
  values.clear();
}

}  // namespace munit
