#pragma once
// Training runs small enough for tests: the shipped pipelines (included, so they are tested as
// shipped) on generated two-domain images with a tiny MUNIT config.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace munit::testing {

inline const char* kTinyConfig = R"yaml(
gen:
  dim: 8
  mlp_dim: 16
  style_dim: 8
  n_downsample: 1
  n_res: 1
dis:
  dim: 8
  n_layer: 2
  num_scales: 1
lr: 0.001
)yaml";

// The shipped pipeline (included, so it is tested as shipped), fed generated images (domain a: 2
// shapes, b: 12 shapes per image), with the tiny config, checkpoints in ckpt/ and a metrics log.
// `checkpoint_every` > 0 sets the checkpoint node's `every`.
inline std::filesystem::path write_pipeline(const std::filesystem::path& dir, std::int64_t frames, bool deterministic,
                                            const std::string& file = "munit.toml", const std::string& settings = "",
                                            std::int64_t checkpoint_every = 0) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::ofstream(dir / "tiny.yaml") << kTinyConfig;
  std::string toml = "include = \"" + (fs::path(MUNIT_SOURCE_DIR) / "pipelines" / "train" / file).string() + "\"\n";
  toml += "[pipeline]\nframes = " + std::to_string(frames) + "\ndeterministic = " + (deterministic ? "true" : "false") + "\n" + settings;
  for (const char* resource : {"models.gen_a", "models.gen_b", "models.dis_a", "models.dis_b", "optimizers.gen", "optimizers.dis"})
    toml += std::string("[") + resource + "]\nconfig = \"tiny.yaml\"\n";
  for (const char* images : {"images_a", "images_b"})
    toml += std::string("[nodes.") + images + "]\ncount = 8\nbatch = 4\nsize = 16\n";
  toml += "[nodes.save]\ndir = \"ckpt\"\n";
  if (checkpoint_every > 0) toml += "every = " + std::to_string(checkpoint_every) + "\n";
  toml += "[nodes.samples]\ndir = \"images\"\n";
  toml += "[nodes.log]\nvalues = [\"recon_x_a.raw\", \"recon_x_b.raw\", \"step_gen.total\", \"step_dis.total\"]\n"
          "path = \"metrics.jsonl\"\nevery = 10\n";
  std::ofstream(dir / "train.toml") << toml;
  return dir / "train.toml";
}

inline std::filesystem::path scratch(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("munit_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

}  // namespace munit::testing
