#pragma once
// Files for the command-line tests: random images to translate, and what a folder ends up holding.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace munit::testing {

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The sorted file names in `dir` (none when it does not exist).
inline std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  if (std::filesystem::is_directory(dir))
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// `count` distinct 32x32 RGB noise images img00000.png... in `folder` (created), the same for a count.
inline std::filesystem::path write_random_images(const std::filesystem::path& folder, int count) {
  std::filesystem::create_directories(folder);
  cv::RNG rng(count);
  for (int i = 0; i < count; ++i) {
    cv::Mat image(32, 32, CV_8UC3);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    char file[32];
    std::snprintf(file, sizeof file, "img%05d.png", i);
    cv::imwrite((folder / file).string(), image);
  }
  return folder;
}

}  // namespace munit::testing
