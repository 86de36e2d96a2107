#include "list_images.h"

#include <algorithm>
#include <cctype>

#include <spdlog/fmt/ranges.h>

#include "munit/errors.h"

namespace munit::data {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::vector<std::string> list_images(const fs::path& folder_or_file, const std::vector<std::string>& extensions,
                                     bool recursive) {
  std::error_code error;
  if (fs::is_regular_file(folder_or_file, error)) return {folder_or_file.string()};
  if (!fs::is_directory(folder_or_file, error))
    throw UserError("'" + folder_or_file.string() + "' is neither a folder nor a file");
  auto wanted = [&](const fs::path& file) {
    const std::string extension = lower(file.extension().string());
    return std::any_of(extensions.begin(), extensions.end(),
                       [&](const std::string& e) { return lower(e.front() == '.' ? e : "." + e) == extension; });
  };
  std::vector<std::string> paths;
  auto consider = [&](const fs::directory_entry& entry) {
    if (entry.is_regular_file() && wanted(entry.path())) paths.push_back(entry.path().string());
  };
  if (recursive) {
    for (const auto& entry : fs::recursive_directory_iterator(folder_or_file, fs::directory_options::follow_directory_symlink))
      consider(entry);
  } else {
    for (const auto& entry : fs::directory_iterator(folder_or_file)) consider(entry);
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty())
    throw UserError(fmt::format("found no images in '{}'{} (extensions: {})", folder_or_file.string(),
                                recursive ? " or its subfolders" : "", fmt::join(extensions, ", ")));
  return paths;
}

}  // namespace munit::data
