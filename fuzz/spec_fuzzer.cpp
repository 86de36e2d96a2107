// libFuzzer target: the input as a pipeline file, parsed into a spec and validated against the
// built-in node and resource kinds, as `munit validate FILE` does. A UserError is the answer bad
// input should get; a crash, a sanitizer report, a leak or any other exception is a finding.
//
// Leading lines `#--set section.key=value` are passed as overrides (`--set`), so that the fuzzer
// reaches the override parser too; to TOML they are comments. Plugins are not loaded: a fuzzed
// [plugins] table would dlopen whatever it names (the loader has tests of its own).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "munit/errors.h"
#include "munit/pipeline.h"
#include "munit/registry.h"
#include "munit/spec.h"

namespace {

std::vector<std::string> leading_overrides(std::string_view text) {
  constexpr std::string_view kPrefix = "#--set ";
  std::vector<std::string> overrides;
  while (text.substr(0, kPrefix.size()) == kPrefix) {
    std::size_t end = text.find('\n');
    overrides.emplace_back(text.substr(kPrefix.size(), end == std::string_view::npos ? end : end - kPrefix.size()));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return overrides;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const munit::Registry registry = munit::Registry::with_builtins();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    munit::validate(munit::parse_pipeline_text(text, "fuzz.toml", leading_overrides(text)), registry);
  } catch (const munit::UserError&) {
  }
  return 0;
}
