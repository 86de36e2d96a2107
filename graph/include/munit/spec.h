#pragma once
// A pipeline file parsed once into typed data with source positions. Keys are not yet checked
// against node schemas: that is validation's job (pipeline.h).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "munit/errors.h"
#include "munit/params.h"

namespace munit {

enum class Mode { Train, Infer };

// spdlog's level names, accepted by [pipeline] log_level, a node's log_level and --log-level.
inline const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "off"};

// The most a [pipeline] count may ask for: more threads than 4 per hardware thread only cost
// memory and process IDs, more frames in flight only memory.
int max_threads();  // 4 x std::thread::hardware_concurrency()
inline constexpr int kMaxFramesInFlight = 1024;

struct PipelineSettings {
  Mode mode = Mode::Infer;
  std::string device = "auto";     // auto | cpu | cuda | cuda:N
  std::string precision = "fp32";  // fp32 | bf16 | fp16
  std::uint64_t seed = 0;
  int frames_in_flight = 4;        // backpressure bound
  int threads = 0;                 // cores to use (0: all)
  int intra_op_threads = 0;        // LibTorch threads per compute node (0: auto, see executor)
  int compute_lanes = 0;           // compute nodes running at once (0: threads / intra_op_threads)
  std::int64_t frames = 0;         // stop before frame `frames` (0: when a source ends)
  bool deterministic = false;      // one thread, one frame in flight: bit-identical reruns and resumes
  bool channels_last = false;      // NHWC image batches and conv weights (faster convolutions on GPUs)
  std::int64_t first_frame = 0;    // the first frame's id: a resumed training run starts where it stopped
  std::string log_level = "info";
  std::string config;              // hyperparameter file the kinds that import read (schema.h, Import)
  SourceLocation config_where;
};

struct SpecEntry {
  std::string key;
  ParamValue value;
  SourceLocation where;
};

struct NodeSpec {
  std::string id;
  std::string kind;
  SourceLocation where;
  std::vector<SpecEntry> entries;  // every key but `kind`
};

struct ResourceSpec {
  std::string section;  // "models" or "optimizers"
  std::string name;
  std::string kind;
  SourceLocation where;
  std::vector<SpecEntry> entries;
};

struct PluginSpec {
  std::string name;
  std::string path;  // as written: a path relative to the file, or a name to search for
  SourceLocation where;
};

struct PipelineSpec {
  std::string file;  // as given by the user: used in messages
  std::string dir;   // the file's folder: relative paths resolve against it
  PipelineSettings settings;
  std::vector<PluginSpec> plugins;
  std::vector<ResourceSpec> resources;
  std::vector<NodeSpec> nodes;
  std::vector<Diagnostic> problems;  // found while parsing; validate() reports them with its own
};

// `overrides` are "section.key=value" strings (munit run --set), applied before parsing with the
// type of the value they replace. Malformed TOML and bad overrides throw UserError; other problems
// go to `problems`, so that validation reports them together with those of the nodes.
PipelineSpec parse_pipeline_file(const std::string& path, const std::vector<std::string>& overrides = {});
PipelineSpec parse_pipeline_text(std::string_view text, const std::string& name,
                                 const std::vector<std::string>& overrides = {});
// The text with the overrides applied, as TOML (comments are not kept).
std::string apply_overrides(std::string_view text, const std::string& name, const std::vector<std::string>& overrides);

}  // namespace munit
