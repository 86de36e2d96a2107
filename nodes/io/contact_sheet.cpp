// io.contact_sheet — one image per frame showing what a translation run made: each input down the
// left side, its translations across (in the order of their styles). Pixels as the outputs:
// round((x + 1) / 2 * 255), clamped. Files: <dir>/<name>_<frame, 6 digits>.<format>.
//
//   [nodes.sheet]
//   kind = "io.contact_sheet"
//   inputs = "x.out"
//   outputs = "translated.out"
//   dir = "outputs/sheets"
#include <atomic>
#include <filesystem>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../image_mat.h"
#include "../tensor_image.h"
#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/registry.h"
#include "output_folder.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

cv::Mat rgb_tile(const Image& image, cv::Size size) {
  cv::Mat tile;
  if (image.channels == 1) cv::cvtColor(view_of(image), tile, cv::COLOR_GRAY2RGB);
  else tile = view_of(image).clone();
  if (tile.size() != size) cv::resize(tile, tile, size, 0, 0, cv::INTER_AREA);
  return tile;
}

class ContactSheet : public Node {
 public:
  static constexpr In<TensorBatch> kInputs{"inputs"};
  static constexpr In<TensorBatch> kOutputs{"outputs"};

  static inline const auto kDir = param<std::filesystem::path>("dir").doc("output folder (created if missing)");
  static inline const auto kName = param<std::string>("name", "sheet").doc("file name prefix");
  static inline const auto kFormat = param<std::string>("format", "png").one_of({"png", "jpg"}).doc("file format");
  static inline const auto kOverwrite = param<bool>("overwrite", false).doc("replace files that exist already");

  static NodeSchema schema() {
    return NodeSchema("io.contact_sheet", "Writes a grid per frame: inputs down the side, their translations across.")
        .input(kInputs, "the inputs, [N, C, H, W] in [-1, 1]")
        .input(kOutputs, "their translations, [N * K, C, H, W], grouped by input")
        .params_of(kDir, kName, kFormat, kOverwrite)
        .parallel()
        .checks([](const Params& params) { return output_folder_problems(kDir.name, params.get(kDir)); });
  }

  explicit ContactSheet(const NodeContext& context)
      : dir_(context.params.get(kDir)),
        name_(context.params.get(kName)),
        extension_("." + context.params.get(kFormat)),
        overwrite_(context.params.get(kOverwrite)),
        log_(context.log) {
    prepare_output_folder(dir_);
  }

  void process(Frame& frame) override {
    const ImageBatch inputs = images_of(frame.get(kInputs)), outputs = images_of(frame.get(kOutputs));
    const std::size_t n = inputs.images.size(), m = outputs.images.size();
    if (n == 0 || m % n != 0)
      throw std::invalid_argument(std::to_string(m) + " translations for " + std::to_string(n) +
                                  " inputs: they must be a multiple of the inputs");
    const cv::Size tile(outputs.images[0].width, outputs.images[0].height);
    std::vector<cv::Mat> rows;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<cv::Mat> row{rgb_tile(inputs.images[i], tile)};
      for (std::size_t k = i * (m / n); k < (i + 1) * (m / n); ++k) row.push_back(rgb_tile(outputs.images[k], tile));
      cv::Mat joined;
      cv::hconcat(row, joined);
      rows.push_back(joined);
    }
    cv::Mat sheet;
    cv::vconcat(rows, sheet);
    cv::cvtColor(sheet, sheet, cv::COLOR_RGB2BGR);
    const fs::path path = dir_ / fmt::format("{}_{:06d}{}", name_, frame.id(), extension_);
    if (!overwrite_ && fs::exists(path))
      throw UserError("'" + path.string() + "' exists already (overwrite = true, or munit translate --overwrite, replaces it)");
    std::vector<std::uint8_t> encoded;
    if (!cv::imencode(extension_, sheet, encoded)) throw std::runtime_error("cannot encode '" + path.string() + "'");
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
    ++written_;
  }

  void close() override { log_->info("wrote {} contact sheet(s) to {}", written_.load(), dir_.string()); }

 private:
  fs::path dir_;
  std::string name_, extension_;
  bool overwrite_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::int64_t> written_{0};
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::ContactSheet)
