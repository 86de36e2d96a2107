// io.image_writer — writes each image of a batch to `dir`, named after its provenance:
// <dir>/<stem><suffix>.<format> (image_stem.h), or, with `inputs` set to the input folder,
// <dir>/<the input's subfolder>/<stem><suffix>.<format>. A file appears whole or not at all
// (write_file_atomically). An existing file is an error unless overwrite = true; two images of
// different provenance that would take one name are an error whatever overwrite says.
//
//   [nodes.save]
//   kind = "io.image_writer"
//   in = "flipped.out"
//   dir = "outputs/demo"
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../image_mat.h"
#include "../image_stem.h"
#include "munit/atomic_file.h"
#include "output_folder.h"
#include "munit/errors.h"
#include "munit/image.h"
#include "munit/registry.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

class ImageWriter : public Node {
 public:
  static constexpr In<ImageBatch> kIn{"in"};

  static inline const auto kDir = param<std::filesystem::path>("dir")
      .doc("output folder (created if missing); relative to the pipeline file");
  static inline const auto kSuffix = param<std::string>("suffix", "")
      .doc("appended to each file's stem, e.g. \"_flipped\"");
  static inline const auto kFormat = param<std::string>("format", "png").one_of({"png", "jpg"}).doc("file format");
  static inline const auto kOverwrite = param<bool>("overwrite", false).doc("replace files that exist already");
  static inline const auto kInputs = param<std::filesystem::path>("inputs", "")
      .doc("the input folder: each file goes to the subfolder of `dir` its input has below this folder "
           "(\"\": all in `dir`)");

  static NodeSchema schema() {
    return NodeSchema("io.image_writer", "Writes images to a folder, one file per image, named after its provenance.")
        .input(kIn, "the images to write")
        .params_of(kDir, kSuffix, kFormat, kOverwrite, kInputs)
        .parallel()
        .checks([](const Params& params) { return output_folder_problems(kDir.name, params.get(kDir)); });
  }

  explicit ImageWriter(const NodeContext& context)
      : dir_(context.params.get(kDir)),
        suffix_(context.params.get(kSuffix)),
        extension_("." + context.params.get(kFormat)),
        overwrite_(context.params.get(kOverwrite)),
        inputs_(context.params.get(kInputs)),
        log_(context.log) {
    prepare_output_folder(dir_);
  }

  void process(Frame& frame) override {
    const ImageBatch& batch = frame.get(kIn);
    for (std::size_t k = 0; k < batch.images.size(); ++k) {
      const std::string source = k < batch.provenance.size()
                                     ? batch.provenance[k]
                                     : "frame" + std::to_string(frame.id()) + "_" + std::to_string(k);
      const fs::path folder = subfolder_of(source);
      const fs::path path = (folder.empty() ? dir_ : dir_ / folder) / (image_stem(source) + suffix_ + extension_);
      claim(path, source);
      if (!folder.empty()) create_folder(path.parent_path());
      write(batch.images[k], path);
    }
  }

  void close() override { log_->info("wrote {} images to {}", written_.load(), dir_.string()); }

 private:
  // The folder of `source` below `inputs`, or none.
  fs::path subfolder_of(const std::string& source) const {
    if (inputs_.empty()) return {};
    const fs::path folder = fs::path(source).parent_path().lexically_relative(inputs_);
    if (folder.empty() || folder == "." || *folder.begin() == "..") return {};
    return folder;
  }

  // Each output name belongs to one source for the whole run: a second one would replace its file.
  void claim(const fs::path& path, const std::string& source) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto [owner, fresh] = sources_.emplace(path.string(), source);
    if (!fresh && owner->second != source)
      throw UserError("'" + owner->second + "' and '" + source + "' would both be written to '" + path.string() +
                      "': rename one of them, or move it to another folder");
  }

  static void create_folder(const fs::path& folder) {
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw UserError("cannot create the output folder '" + folder.string() + "': " + error.message());
  }

  void write(const Image& image, const fs::path& path) {
    if (!overwrite_ && fs::exists(path))
      throw UserError("'" + path.string() + "' exists already (overwrite = true, or munit translate --overwrite, replaces it)");
    // The image is shared with other consumers: convert into a new Mat, never in place.
    cv::Mat pixels;
    if (image.channels == 3) cv::cvtColor(view_of(image), pixels, cv::COLOR_RGB2BGR);
    else pixels = view_of(image);
    std::vector<std::uint8_t> encoded;
    if (!cv::imencode(extension_, pixels, encoded)) throw std::runtime_error("cannot encode '" + path.string() + "'");
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
    ++written_;
  }

  fs::path dir_;
  std::string suffix_, extension_;
  bool overwrite_;
  fs::path inputs_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::map<std::string, std::string> sources_;  // output file → the provenance written there
  std::atomic<std::int64_t> written_{0};
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ImageWriter)
