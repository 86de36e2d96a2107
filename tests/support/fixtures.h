#pragma once
// Where the reference files made by the official PyTorch code live: $MUNIT_FIXTURES, else
// tests/fixtures in the source tree (a copy of the shared fixtures, committed). A missing fixture
// fails the test: it is part of the repository.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace munit::testing {

inline std::filesystem::path fixtures_dir() {
  if (const char* dir = std::getenv("MUNIT_FIXTURES")) return dir;
  return std::filesystem::path(MUNIT_SOURCE_DIR) / "tests" / "fixtures";
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) != "" && std::string(ci) != "false" && std::string(ci) != "0";
}

}  // namespace munit::testing

// Use at the top of a test (or SetUp): fails it, naming the file, when a fixture is missing.
#define MUNIT_REQUIRE_FIXTURE(path)                                                          \
  do {                                                                                       \
    if (!std::filesystem::exists(path)) FAIL() << "fixture missing: " << (path);             \
  } while (0)
