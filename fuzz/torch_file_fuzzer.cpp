// libFuzzer target: the input as a torch.save file, read by munit::load_torch_file (both layouts:
// zip and legacy pickles), then described. A UserError is the answer bad input should get; a crash,
// a sanitizer report, a leak or any other exception is a finding. The reader takes a path, so each
// input is written to one temporary file first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "munit/errors.h"
#include "torchio/torch_file.h"

namespace {

const std::filesystem::path& input_file() {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("munit_torch_file_fuzzer." + std::to_string(::getpid()) + ".pt");
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(input_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) __builtin_trap();  // the temp folder is full: no answer would mean anything
  }
  try {
    munit::py::Object object = munit::load_torch_file(input_file());
    (void)object.describe();
  } catch (const munit::UserError&) {
  }
  return 0;
}
