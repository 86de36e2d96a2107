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
  static constexpr Param<std::filesystem::path> kDir{"dir"};
  static constexpr Param<StringList> kExtensions{"extensions"};
  static constexpr Param<bool> kRecursive{"recursive"};

  static NodeSchema schema() {
    NodeSchema schema("data.image_folder", "Images from a folder, sorted, optionally shuffled per epoch.");
    schema.output(kOut, "a batch of 8-bit images")
        .param(spec(kDir).doc("the folder (or one image file)"))
        .param(spec(kExtensions, data::kImageExtensions)
                   .doc("file extensions taken, in any letter case (the official list)"))
        .param(spec(kRecursive, true).doc("also read subfolders (the official loader does)"))
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
