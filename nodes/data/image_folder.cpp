// data.image_folder — the images in a folder (and its subfolders), as the official ImageFolder
// lists them: every file with an image extension, paths sorted. See image_files.h for order,
// epochs, parallel decoding and unreadable files.
//
//   [nodes.images_a]
//   kind = "data.image_folder"
//   dir = "datasets/edges2shoes/trainA"
//   batch = 1
//   repeat = true
//   shuffle = true
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "munit/errors.h"
#include "munit/registry.h"
#include "image_files.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::vector<std::string> list_images(const fs::path& dir, const StringList& extensions, bool recursive) {
  if (!fs::is_directory(dir)) throw UserError("'" + dir.string() + "' is not a folder");
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
    for (const auto& entry : fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink))
      consider(entry);
  } else {
    for (const auto& entry : fs::directory_iterator(dir)) consider(entry);
  }
  std::sort(paths.begin(), paths.end());
  std::string accepted;
  for (const auto& e : extensions) accepted += (accepted.empty() ? "" : ", ") + e;
  if (paths.empty())
    throw UserError("found no images in '" + dir.string() + "'" + (recursive ? " or its subfolders" : "") +
                    " (extensions: " + accepted + ")");
  return paths;
}

class ImageFolder : public data::ImageFilesSource {
 public:
  static NodeSchema schema() {
    NodeSchema schema("data.image_folder", "Images from a folder, sorted, optionally shuffled per epoch.");
    schema.output(kOut, "a batch of 8-bit images")
        .param(path_param("dir").doc("the folder"))
        .param(string_list_param("extensions", StringList{"jpg", "jpeg", "png", "ppm", "bmp"})
                   .doc("file extensions taken, in any letter case (the official list)"))
        .param(bool_param("recursive", true).doc("also read subfolders (the official loader does)"))
        .parallel();
    return data::with_image_file_params(schema);
  }

  explicit ImageFolder(const NodeContext& context)
      : ImageFilesSource(list_images(context.params.get<std::string>("dir"), context.params.get<StringList>("extensions"),
                                     context.params.get<bool>("recursive")),
                         context) {}
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ImageFolder)
