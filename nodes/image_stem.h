#pragma once
// Output files are named after what they came from. A provenance entry is a source file's path
// ("data/shoes/0001.jpg") or a name built from one ("0001_random3"); its stem drops the folder
// and an image file extension, and keeps any other dot ("img.v2_random3").
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

#include "data/list_images.h"

namespace munit {

inline std::string image_stem(const std::string& provenance) {
  const std::filesystem::path path(provenance);
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto& known = data::kImageExtensions;
  const bool image = !extension.empty() && std::find(known.begin(), known.end(), extension.substr(1)) != known.end();
  return (image ? path.stem() : path.filename()).string();
}

// The name of an input translated under a style: "<input stem>_<style tag>", in the input's folder
// ("data/shoes/0001_random3"), so that writers can keep the input's subfolder.
inline std::string styled_name(const std::string& input, const std::string& tag) {
  return (std::filesystem::path(input).parent_path() / (image_stem(input) + "_" + tag)).string();
}

}  // namespace munit
