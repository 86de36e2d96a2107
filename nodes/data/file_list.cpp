// data.file_list — the images a list file names, one path per line relative to `root`, in the
// list's order: the official ImageFilelist (list_trainA.txt and friends). Blank lines are ignored.
// See image_files.h for order, epochs, parallel decoding and unreadable files.
//
//   [nodes.images_a]
//   kind = "data.file_list"
//   list = "datasets/demo_edges2handbags/list_trainA.txt"
//   root = "datasets/demo_edges2handbags"
#include <filesystem>
#include <fstream>

#include "munit/errors.h"
#include "munit/registry.h"
#include "image_files.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_list(const fs::path& list, fs::path root) {
  std::ifstream in(list);
  if (!in) throw UserError("cannot read the file list '" + list.string() + "'");
  if (root.empty()) root = list.parent_path();
  std::vector<std::string> paths;
  for (std::string line; std::getline(in, line);) {
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    const auto end = line.find_last_not_of(" \t\r");
    paths.push_back((root / line.substr(begin, end - begin + 1)).string());
  }
  if (paths.empty()) throw UserError("the file list '" + list.string() + "' names no files");
  return paths;
}

class FileList : public data::ImageFilesSource {
 public:
  static inline const auto kList = param<std::filesystem::path>("list").doc("a text file: one image path per line");
  static inline const auto kRoot = param<std::filesystem::path>("root", "")
      .doc("the folder the paths are relative to (default: the list's folder)");

  static NodeSchema schema() {
    NodeSchema schema("data.file_list", "Images named in a list file (the official ImageFilelist).");
    schema.output(kOut, "a batch of 8-bit images")
        .params_of(kList, kRoot)
        .parallel();
    return data::with_image_file_params(schema);
  }

  explicit FileList(const NodeContext& context)
      : ImageFilesSource(read_list(context.params.get(kList), context.params.get(kRoot)),
                         context) {}
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::FileList)
