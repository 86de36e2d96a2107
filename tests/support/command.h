#pragma once
// Runs a shell command and captures its exit code and output (stdout and stderr together).
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace munit::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(("(" + command + ") 2>&1 </dev/null").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

inline CommandResult munit(const std::string& arguments) {
  return run_command(std::string(MUNIT_BINARY) + " " + arguments);
}

}  // namespace munit::testing
