// io.sample_sheet — the official trainer's sample images (image_save_iter): for a fixed set of
// display images (the first `display` of each domain that reach it) it writes
// <dir>/gen_a2b_<name>_<iterations>.<format> and gen_b2a_…, each a grid with one column per
// display image and these rows:
//   input · reconstruction · `random_styles` rows translated with fixed random styles (the same in
//   every sheet) · `fresh_styles` rows with styles drawn anew for each sheet · `reference_styles`
//   rows where row j takes the style of the other domain's display image j.
// The official layout is 1 fixed, 1 fresh, 0 reference. Pixels are min-max normalized over the
// grid, as torchvision's make_grid(normalize=True). Written every `every` iterations and at the end.
//
//   [nodes.samples]
//   kind = "io.sample_sheet"
//   a = "x_a.out"
//   b = "x_b.out"
//   when = "step_gen.done"
//   gen_a = "gen_a"
//   gen_b = "gen_b"
//   dir = "runs/edges2shoes/images"
#include <cstdio>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <spdlog/fmt/fmt.h>

#include "../munit/models.h"
#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "output_folder.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

// Rows of [n, C, H, W] images in [-1, 1] → an 8-bit BGR grid, min-max normalized over all of it.
cv::Mat grid_of(const std::vector<torch::Tensor>& rows) {
  std::vector<torch::Tensor> strips;
  for (const auto& row : rows) {
    torch::Tensor images = row.detach().to(torch::kCPU, torch::kFloat).expand({-1, 3, -1, -1});
    strips.push_back(torch::cat(images.unbind(0), 2));  // [3, H, n·W]
  }
  torch::Tensor grid = torch::cat(strips, 1);  // [3, rows·H, n·W]
  const auto low = grid.min(), high = grid.max();
  grid = (grid - low) / (high - low).clamp_min(1e-5);
  torch::Tensor bytes = grid.mul(255).add(0.5).clamp(0, 255).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr()), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

class SampleSheet : public Node {
 public:
  static constexpr In<TensorBatch> kA{"a"};
  static constexpr In<TensorBatch> kB{"b"};
  static constexpr In<Signal> kWhen{"when"};

  static inline const auto kGenA = resource<model::GeneratorModel>("gen_a", "models").doc("generator of domain a");
  static inline const auto kGenB = resource<model::GeneratorModel>("gen_b", "models").doc("generator of domain b");
  static inline const auto kDir = param<std::filesystem::path>("dir").doc("output folder (created if missing)");
  static inline const auto kName = param<std::string>("name", "train")
      .doc("file name part: gen_a2b_<name>_<iterations>");
  static inline const auto kNumbered = param<bool>("numbered", true)
      .doc("name files by iteration count; false: one file per direction, overwritten (the official train_current)");
  static inline const auto kEvery = param<std::int64_t>("every", 10000).at_least(0)
      .doc("iterations between sheets (0: only at the end; the official image_save_iter)");
  static inline const auto kDisplay = param<std::int64_t>("display", 16).range(1, 256)
      .doc("display images per domain (the official display_size)");
  static inline const auto kRandomStyles = param<std::int64_t>("random_styles", 1).range(0, 64)
      .doc("rows with fixed random styles");
  static inline const auto kFreshStyles = param<std::int64_t>("fresh_styles", 1).range(0, 64)
      .doc("rows with styles drawn anew for each sheet");
  static inline const auto kReferenceStyles = param<std::int64_t>("reference_styles", 0).range(0, 256)
      .doc("rows in the style of the other domain's display images");
  static inline const auto kFormat = param<std::string>("format", "jpg").one_of({"jpg", "png"})
      .doc("image format (official: jpg)");

  static NodeSchema schema() {
    return NodeSchema("io.sample_sheet", "Writes the official trainer's sample grids: inputs, reconstructions, translations.")
        .input(kA, "images of domain a, [N, C, H, W] in [-1, 1]")
        .input(kB, "images of domain b")
        .input(kWhen, "sample after this (the last optimizer step's done)")
        .params_of(kGenA, kGenB, kDir, kName, kNumbered, kEvery, kDisplay, kRandomStyles, kFreshStyles, kReferenceStyles,
                   kFormat)
        .uses_compute()  // each sheet runs both generators over the display images
        .in_model_region()
        .checks([](const Params& params) { return output_folder_problems(kDir.name, params.get(kDir)); });
  }

  explicit SampleSheet(const NodeContext& context)
      : gen_a_(context.resource(kGenA)),
        gen_b_(context.resource(kGenB)),
        dir_(context.params.get(kDir)),
        name_(context.params.get(kName)),
        numbered_(context.params.get(kNumbered)),
        every_(context.params.get(kEvery)),
        display_(context.params.get(kDisplay)),
        random_styles_(context.params.get(kRandomStyles)),
        fresh_styles_(context.params.get(kFreshStyles)),
        reference_styles_(context.params.get(kReferenceStyles)),
        extension_("." + context.params.get(kFormat)),
        seed_(context.seed),
        log_(context.log) {
    std::error_code error;
    fs::create_directories(dir_, error);
    if (!fs::is_directory(dir_)) throw UserError("cannot create the sample folder '" + dir_.string() + "'");
    remove_stale_temporaries(dir_);
  }

  void process(Frame& frame) override {
    collect(display_a_, frame.get(kA).data);
    collect(display_b_, frame.get(kB).data);
    done_ = frame.id() + 1;
    if (every_ > 0 && done_ % every_ == 0) write(done_);
  }

  void close() override {
    if (done_ > written_) write(done_);
  }

 private:
  void collect(torch::Tensor& display, const torch::Tensor& images) {
    const std::int64_t have = display.defined() ? display.size(0) : 0;
    if (have >= display_) return;
    torch::Tensor more = images.detach().narrow(0, 0, std::min(display_ - have, images.size(0))).clone();
    display = have ? torch::cat({display, more}) : more;
  }

  // Rows of one direction: x, its reconstruction, then translations by `to` of x's content.
  std::vector<torch::Tensor> rows_for(model::Generator& from, model::Generator& to, const torch::Tensor& x,
                                      const torch::Tensor& fixed_styles, const torch::Tensor& references,
                                      at::Generator& rng) {
    const std::int64_t n = x.size(0), style_dim = fixed_styles.size(2);  // fixed: [rows, display, style_dim, 1, 1]
    model::Codes codes = from->encode(x);
    std::vector<torch::Tensor> rows{x, from->decode(codes.content, codes.style)};
    for (std::int64_t r = 0; r < random_styles_; ++r)
      rows.push_back(to->decode(codes.content, fixed_styles[r].narrow(0, 0, n)));
    for (std::int64_t r = 0; r < fresh_styles_; ++r)
      rows.push_back(to->decode(codes.content, torch::randn({n, style_dim, 1, 1}, rng).to(x.device())));
    torch::Tensor reference_styles = to->encode(references).style;
    for (std::int64_t j = 0; j < std::min(reference_styles_, references.size(0)); ++j)
      rows.push_back(to->decode(codes.content, reference_styles[j].unsqueeze(0).expand({n, -1, -1, -1})));
    return rows;
  }

  void write(std::int64_t iterations) {
    if (!display_a_.defined() || !display_b_.defined()) return;
    torch::NoGradGuard no_grad;
    const std::int64_t n = std::min(display_a_.size(0), display_b_.size(0));
    const torch::Tensor x_a = display_a_.narrow(0, 0, n), x_b = display_b_.narrow(0, 0, n);
    if (!fixed_a_.defined()) {  // the official trainer's s_a, s_b: drawn once, for the full display set
      auto rng = at::detail::createCPUGenerator(seed_);
      const std::int64_t rows = std::max<std::int64_t>(random_styles_, 1);
      fixed_a_ = torch::randn({rows, display_, gen_a_->net->config().style_dim, 1, 1}, rng).to(x_a.device());
      fixed_b_ = torch::randn({rows, display_, gen_b_->net->config().style_dim, 1, 1}, rng).to(x_b.device());
    }
    auto rng = at::detail::createCPUGenerator(seed_ + static_cast<std::uint64_t>(iterations));
    const std::string suffix = numbered_ ? fmt::format("_{}_{:08d}", name_, iterations) : "_" + name_;
    save(grid_of(rows_for(gen_a_->net, gen_b_->net, x_a, fixed_b_, x_b, rng)), "gen_a2b" + suffix);
    save(grid_of(rows_for(gen_b_->net, gen_a_->net, x_b, fixed_a_, x_a, rng)), "gen_b2a" + suffix);
    written_ = iterations;
    log_->info("samples: {} iterations in {}", iterations, dir_.string());
  }

  void save(const cv::Mat& grid, const std::string& stem) {
    std::vector<std::uint8_t> encoded;
    const fs::path path = dir_ / (stem + extension_);
    if (!cv::imencode(extension_, grid, encoded)) throw std::runtime_error("cannot encode '" + path.string() + "'");
    write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
  }

  std::shared_ptr<model::GeneratorModel> gen_a_, gen_b_;
  fs::path dir_;
  std::string name_;
  bool numbered_;
  std::int64_t every_, display_, random_styles_, fresh_styles_, reference_styles_;
  std::string extension_;
  std::uint64_t seed_;
  std::shared_ptr<spdlog::logger> log_;
  torch::Tensor display_a_, display_b_, fixed_a_, fixed_b_;
  std::int64_t done_ = 0, written_ = 0;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::SampleSheet)
