// data.image_folder — the images in a folder (and its subfolders), as the official ImageFolder
// lists them: every file with an image extension, paths sorted (list_images.h). See image_files.h for order,
// epochs, parallel decoding and unreadable files.
//
//   [nodes.images_a]
//   kind = "data.image_folder"
//   dir = "datasets/edges2shoes/trainA"
//   batch = 1
//   repeat = true
//   shuffle = true
#include "list_images.h"
#include "munit/registry.h"
#include "image_files.h"

namespace munit {
namespace {

class ImageFolder : public data::ImageFilesSource {
 public:
  static inline const auto kDir = param<std::filesystem::path>("dir").doc("the folder (or one image file)");
  static inline const auto kExtensions = param<StringList>("extensions", data::kImageExtensions)
      .doc("file extensions taken, in any letter case (the official list)");
  static inline const auto kRecursive = param<bool>("recursive", true)
      .doc("also read subfolders (the official loader does)");

  static NodeSchema schema() {
    NodeSchema schema("data.image_folder", "Images from a folder, sorted, optionally shuffled per epoch.");
    schema.output(kOut, "a batch of 8-bit images")
        .params_of(kDir, kExtensions, kRecursive)
        .parallel();
    return data::with_image_file_params(schema);
  }

  explicit ImageFolder(const NodeContext& context)
      : ImageFilesSource(data::list_images(context.params.get(kDir), context.params.get(kExtensions),
                                     context.params.get(kRecursive)),
                         context) {}
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ImageFolder)
