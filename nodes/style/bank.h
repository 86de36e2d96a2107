#pragma once
// A style bank: the style codes of a folder of real images, each named after its image, with what
// made them (`munit styles encode`, io.style_bank). A torch.save file Python reads as a dict:
//
//   {"format": "munit.style_bank", "version": 1,
//    "codes": float tensor [N, style_dim], "names": [N strings],
//    "domain": "b", "checkpoint": "gen_00100000.pt", "generator_crc32": CRC-32 of its weights}
//
// Codes only mean something to the generator whose style encoder made them: a bank is refused for
// another style width or domain, and a generator with other weights is warned about.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "../munit/models.h"
#include "munit/atomic_file.h"

namespace spdlog {
class logger;
}
namespace munit::py {
class Object;
}

namespace munit::style {

// Which generator made a set of codes: its checkpoint's file name and a CRC-32 of its weights.
struct GeneratorIdentity {
  std::string domain, checkpoint;
  std::uint32_t crc32 = 0;

  static GeneratorIdentity of(const model::GeneratorModel& model);
  // Refuses (UserError) codes of another domain; warns when the weights differ. `what`: the file.
  void check_serves(const model::GeneratorModel& model, const std::string& what, spdlog::logger& log) const;
};

struct StyleBank {
  at::Tensor codes;  // [N, style_dim], float, CPU
  std::vector<std::string> names;
  GeneratorIdentity made_by;

  // The codes of `picked` names in that order ([K, style_dim]); UserError naming an unknown one.
  at::Tensor pick(const std::vector<std::string>& picked, const std::string& file) const;
};

void save_style_bank(const std::filesystem::path& path, const StyleBank& bank, Existing existing);

// True for a file's contents that say they are a style bank.
bool is_style_bank(const py::Object& file);

// UserError naming the file when it is not a readable bank.
StyleBank read_style_bank(const py::Object& file, const std::string& path);
StyleBank load_style_bank(const std::filesystem::path& path);

}  // namespace munit::style
