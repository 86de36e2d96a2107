#include "list_images.h"

#include <algorithm>
#include <cctype>

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "munit/errors.h"

namespace munit::data {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Whether `path` is `folder` or lies below it (both canonical).
bool within(const fs::path& folder, const fs::path& path) {
  return std::mismatch(folder.begin(), folder.end(), path.begin(), path.end()).first == folder.end();
}

// Why a symlink cannot be followed ("" when it can): it dangles, resolves to itself through
// others, or names a folder it lies in (listing it would never end).
std::string unfollowable(const fs::path& link) {
  std::error_code error;
  const fs::path target = fs::canonical(link, error);
  if (error == std::errc::no_such_file_or_directory) return "dangling symlink";
  if (error == std::errc::too_many_symbolic_link_levels) return "symlink loop";
  if (error) return "symlink that cannot be followed (" + error.message() + ")";
  const fs::path parent = fs::canonical(link.parent_path(), error);
  if (!error && fs::is_directory(target, error) && within(target, parent)) return "symlink loop";
  return "";
}

}  // namespace

std::vector<std::string> list_images(const fs::path& folder_or_file, const std::vector<std::string>& extensions,
                                     bool recursive, bool warn) {
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
  // False for an entry not to descend into: a symlink that cannot be followed is skipped with a warning.
  auto consider = [&](const fs::directory_entry& entry) {
    std::error_code status_error;
    if (entry.is_symlink(status_error)) {
      const std::string why = unfollowable(entry.path());
      if (!why.empty()) {
        if (warn) spdlog::warn("skipping {} '{}'", why, entry.path().string());
        return false;
      }
    }
    if (fs::is_regular_file(entry.path(), status_error) && wanted(entry.path())) paths.push_back(entry.path().string());
    return true;
  };
  auto listing_failed = [&](const std::error_code& e) {
    return UserError("cannot list the images of '" + folder_or_file.string() + "': " + e.message());
  };
  const auto options = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
  if (recursive) {
    fs::recursive_directory_iterator it(folder_or_file, options, error);
    for (; !error && it != fs::recursive_directory_iterator(); it.increment(error))
      if (!consider(*it)) it.disable_recursion_pending();
  } else {
    fs::directory_iterator it(folder_or_file, options, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) consider(*it);
  }
  if (error) throw listing_failed(error);
  std::sort(paths.begin(), paths.end());
  if (paths.empty())
    throw UserError(fmt::format("found no images in '{}'{} (extensions: {})", folder_or_file.string(),
                                recursive ? " or its subfolders" : "", fmt::join(extensions, ", ")));
  return paths;
}

}  // namespace munit::data
