#include "generated_pipeline.h"

#include <algorithm>
#include <sstream>

#include <torch/cuda.h>

#include "munit/errors.h"
#include "munit/pipeline.h"

namespace munit::cli {

namespace fs = std::filesystem;

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

bool has_extension(const fs::path& path, const std::vector<std::string>& extensions) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return !extension.empty() &&
         std::find(extensions.begin(), extensions.end(), extension.substr(1)) != extensions.end();
}

std::string yaml_config(const std::string& path) {
  if (!fs::is_regular_file(path)) throw UserError("the config '" + path + "' does not exist");
  if (!has_extension(path, {"toml"})) return absolute(path);
  Registry registry = Registry::with_builtins();
  Pipeline pipeline = load_pipeline(path, registry);
  for (const auto& resource : pipeline.resources)
    if (resource.kind->schema.kind == "munit.generator") {
      const std::string config = resource.params.get<std::string>("config");
      if (!config.empty()) return absolute(config);
      const PipelineSettings& settings = pipeline.settings;
      if (settings.config.empty()) return "";
      const fs::path file(settings.config);
      return absolute((file.is_relative() ? fs::path(settings.config_where.file).parent_path() / file : file).string());
    }
  throw UserError("the pipeline '" + path + "' declares no munit.generator whose config could be used");
}

toml::table generator_model(const std::string& domain, const std::string& checkpoint, const std::string& config) {
  toml::table model{{"kind", "munit.generator"}, {"domain", domain}, {"checkpoint", absolute(checkpoint)}};
  if (!config.empty()) model.insert("config", config);
  return model;
}

void add_encoded_images(toml::table& nodes, const ImageInput& input, const std::string& model, std::int64_t max_batch,
                        const std::string& encoder) {
  nodes.insert("images", toml::table{{"kind", "data.image_folder"},
                                     {"dir", absolute(input.dir)},
                                     {"batch", input.batch},
                                     {"channels", input.gray ? "gray" : "rgb"},
                                     {"unreadable", input.unreadable}});
  nodes.insert("resized", toml::table{{"kind", "augment.resize"}, {"in", "images.out"}, {"size", input.size},
                                      {"interpolation", "auto"}});
  nodes.insert("x", toml::table{{"kind", "augment.to_tensor"}, {"in", "resized.out"}});
  nodes.insert("codes", toml::table{{"kind", encoder}, {"model", model}, {"in", "x.out"},
                                    {"max_batch", max_batch}});
}

std::int64_t max_batch_for(const std::string& device) {
  const bool cpu = device == "cpu" || (device == "auto" && !torch::cuda::is_available());
  return cpu ? 1 : 0;
}

std::string quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

}  // namespace munit::cli
