#pragma once
// A writer's output folder: created if missing, and proved writable by writing a file there, so
// a read-only or misnamed folder is a clear error before the first image is computed. Temporaries
// that a killed writer left there are removed.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/schema.h"

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

// Validation's look at a folder a node will write (nothing is created): a problem with `param` when
// the folder exists as something else, or the nearest existing folder above it cannot be written.
inline std::vector<ParamProblem> output_folder_problems(const std::string& param, const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_directory(dir, error))
    return {{param, "'" + dir.string() + "' exists and is not a folder: name a folder to write into"}};
  fs::path existing = dir;
  while (!existing.empty() && !fs::exists(existing, error)) existing = existing.parent_path();
  if (existing.empty()) existing = ".";
  if (!fs::is_directory(existing, error))
    return {{param, "cannot create the folder '" + dir.string() + "': '" + existing.string() + "' is not a folder"}};
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    return {{param, "cannot write into '" + existing.string() + "' (" + std::strerror(errno) +
                        "): choose a folder you can write"}};
  return {};
}

}  // namespace munit
