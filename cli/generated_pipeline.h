#pragma once
// What the commands that build their pipeline from flags (`munit translate`, `munit styles encode`)
// share: paths made absolute, the YAML behind --config, and the chain that reads images for a
// generator, so that translating and encoding a bank see the very same pixels.
#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace munit::cli {

std::string absolute(const std::string& path);

bool has_extension(const std::filesystem::path& path, const std::vector<std::string>& extensions);

// The YAML config behind --config: the file itself, or the one a munit pipeline's generator imports
// (its own config, else [pipeline] config; "" for neither: the edges2shoes values).
std::string yaml_config(const std::string& path);

// [models.<name>]: the generator of `domain` from `checkpoint` (and `config`, when not "").
toml::table generator_model(const std::string& domain, const std::string& checkpoint, const std::string& config);

struct ImageInput {
  std::string dir;  // an image or a folder
  bool gray = false;
  std::int64_t size = 0, batch = 1;
  std::string unreadable = "skip";
};

// Nodes images -> resized (shorter side `size`) -> x (tensors) -> codes (`encoder`: munit.encode, or
// munit.encode_style for style codes alone, of `model`; max_batch images per call: 0 for all at once).
void add_encoded_images(toml::table& nodes, const ImageInput& input, const std::string& model, std::int64_t max_batch,
                        const std::string& encoder = "munit.encode");

// On the CPU one image per network call is fastest (measured: a batch of 2 at 256x256 takes 2.4x the
// time of one, its working set no longer in cache); a GPU wants whole batches. 1 or 0 (all).
std::int64_t max_batch_for(const std::string& device);

// A TOML string literal, escaped by toml++.
std::string quoted(const std::string& text);

}  // namespace munit::cli
