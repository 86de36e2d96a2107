#pragma once
// Errors a user can cause (exit code 2) carry every problem found, each with its source location
// and context; errors of a run (exit code 1) name the node and frame that failed.
#include <stdexcept>
#include <string>
#include <vector>

namespace munit {

struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

struct Diagnostic {
  SourceLocation where;
  std::string context;  // e.g. "node 'images' (data.pattern) → param 'batch'"
  std::string message;  // what is wrong and what would be accepted

  std::string str() const {
    std::string text = where.str();
    if (!text.empty()) text += ": ";
    if (!context.empty()) text += context + ": ";
    return text + message;
  }
};

class UserError : public std::runtime_error {
 public:
  explicit UserError(std::vector<Diagnostic> diagnostics)
      : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}
  explicit UserError(const std::string& message) : UserError(std::vector<Diagnostic>{{{}, {}, message}}) {}

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  static std::string join(const std::vector<Diagnostic>& diagnostics) {
    std::string text;
    for (const auto& d : diagnostics) text += (text.empty() ? "" : "\n") + d.str();
    return text;
  }
  std::vector<Diagnostic> diagnostics_;
};

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace munit
