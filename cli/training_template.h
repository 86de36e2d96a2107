#pragma once
// pipelines/train/munit.toml, compiled into munit (cli/CMakeLists.txt): the graph `munit train
// --config` fills with the values of an official YAML.
namespace munit::cli {
extern const char* const kTrainingTemplate;
}
