#pragma once
// Where the reference files made by the official PyTorch code live: $MUNIT_FIXTURES, else
// ../shared/fixtures beside the source tree. Missing fixtures skip a test on a developer's machine
// and fail it under CI (CI=true), where they must be present.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace munit::testing {

inline std::filesystem::path fixtures_dir() {
  if (const char* dir = std::getenv("MUNIT_FIXTURES")) return dir;
  return std::filesystem::path(MUNIT_SOURCE_DIR).parent_path() / "shared" / "fixtures";
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) != "" && std::string(ci) != "false" && std::string(ci) != "0";
}

}  // namespace munit::testing

// Use at the top of a test (or SetUp): returns from it when the fixture folder is absent.
#define MUNIT_REQUIRE_FIXTURE(path)                                                          \
  do {                                                                                       \
    if (!std::filesystem::exists(path)) {                                                    \
      if (::munit::testing::running_in_ci()) FAIL() << "fixture missing: " << (path);        \
      GTEST_SKIP() << "fixture missing (set MUNIT_FIXTURES): " << (path);                    \
    }                                                                                        \
  } while (0)
