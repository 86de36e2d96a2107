#pragma once
// The image files of a folder as the official ImageFolder lists them: every file whose extension
// is an image one (any letter case), in its subfolders too when recursive, paths sorted. A path
// naming one file lists that file. A symlink that dangles or loops (names a folder it lies in) is
// skipped, with a warning naming it unless `warn` is false. Throws UserError for a missing path,
// a folder that cannot be listed or one without images.
#include <filesystem>
#include <string>
#include <vector>

namespace munit::data {

inline const std::vector<std::string> kImageExtensions = {"jpg", "jpeg", "png", "ppm", "bmp"};

std::vector<std::string> list_images(const std::filesystem::path& folder_or_file,
                                     const std::vector<std::string>& extensions = kImageExtensions,
                                     bool recursive = true, bool warn = true);

}  // namespace munit::data
