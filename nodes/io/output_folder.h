#pragma once
// A writer's output folder: created if missing, and proved writable by writing a file there, so
// a read-only or misnamed folder is a clear error before the first image is computed. Temporaries
// that a killed writer left there are removed.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "munit/atomic_file.h"
#include "munit/errors.h"

namespace munit {

inline void prepare_output_folder(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir))
    throw UserError("cannot create the output folder '" + dir.string() + "'" + (error ? ": " + error.message() : ""));
  const std::filesystem::path probe = dir / (".munit-probe-" + std::to_string(::getpid()));
  const bool writable = static_cast<bool>(std::ofstream(probe) << "probe");
  std::filesystem::remove(probe, error);
  if (!writable) throw UserError("the output folder '" + dir.string() + "' is not writable");
  remove_stale_temporaries(dir);
}

}  // namespace munit
