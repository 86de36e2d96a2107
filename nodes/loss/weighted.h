#pragma once
// What every loss node shares: a `weight` parameter, and two outputs: `out`, the weighted term an
// optimizer step sums (with its autograd history), and `raw`, the unweighted value for logs.
#include <algorithm>
#include <string>

#include "munit/errors.h"
#include "munit/schema.h"
#include "munit/tensor.h"
#include "../yaml_import.h"

namespace munit::loss {

inline constexpr Out<Scalar> kOut{"out"};
inline constexpr Out<Scalar> kRaw{"raw"};
inline const auto kWeight = param<double>("weight", 1.0).at_least(0)
    .doc("multiplies the loss (the official *_w settings); 0 leaves the term, and what only it needs, out of the run");

inline const auto kFollows =
    param<std::string>("follows", "")
        .one_of({"", "gan_w", "recon_x_w", "recon_s_w", "recon_c_w", "recon_x_cyc_w", "vgg_w"})
        .doc("the official weight key this term takes from [pipeline] config, unless `weight` is set here");

inline NodeSchema& with_weight(NodeSchema& schema) {
  return schema.output(kOut, "weight × the loss (differentiable): feed it to an optim.step")
      .output(kRaw, "the loss itself, detached: for logs and metrics")
      .params_of(kWeight, kFollows)
      .inert_when_zero_param(kWeight)
      .imports({"", [](const std::string& file, const std::vector<SpecEntry>& entries) {
                  auto entry = [&](const std::string& key) {
                    return std::find_if(entries.begin(), entries.end(), [&](const SpecEntry& e) { return e.key == key; });
                  };
                  const std::string key = entry_text(entries, kFollows.name, "");
                  const bool weighted = entry(kWeight.name) != entries.end();
                  if (file.empty() && (key.empty() || weighted)) return Imported{};
                  if (file.empty())
                    throw UserError({{entry(kFollows.name)->where, {},
                                      "follows '" + key + "', but the pipeline names no config to take it from: "
                                      "set [pipeline] config, or weight = ... on the node"}});
                  Imported imported = import_yaml(file, key.empty() ? KeyMap{} : KeyMap{{kWeight.name, key}});
                  if (!key.empty() && !weighted && imported.entries.empty())
                    throw UserError({{entry(kFollows.name)->where, {},
                                      "follows '" + key + "', which " + file + " does not set: add it there, or set "
                                      "weight = ... on the node"}});
                  return imported;
                }});
}

inline void put_weighted(Frame& frame, double weight, const at::Tensor& loss) {
  frame.put(kOut, Scalar{weight * loss});
  frame.put(kRaw, Scalar{loss.detach()});
}

}  // namespace munit::loss
