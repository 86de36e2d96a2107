// io.metrics — a JSON-lines log of a run: every `every` frames one line with the iteration, each
// value it is given (named after its source, e.g. "recon_x_a.raw") and the iterations per second
// since the previous line. Appends, so a resumed run continues its log. The values named in
// `progress` (by default the optimizer steps' totals) also appear on the console's progress line.
//
//   [nodes.log]
//   kind = "io.metrics"
//   values = ["step_gen.total", "step_dis.total", "recon_x_a.raw", "step_gen.lr"]
//   path = "../runs/munit/metrics.jsonl"
//   every = 10
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "munit/errors.h"
#include "munit/live_values.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "output_folder.h"

namespace munit {
namespace {

class MetricsLog : public Node {
 public:
  static constexpr In<Scalar> kValues{"values"};

  static inline const auto kPath = param<std::filesystem::path>("path")
      .doc("the .jsonl file (its folder is created)");
  static inline const auto kEvery = param<std::int64_t>("every", 10).at_least(1)
      .doc("log every this many iterations (the official log_iter)");
  static inline const auto kProgress = param<StringList>("progress", StringList{})
      .doc("values also shown on the progress line (default: every optim.step `total`)");

  static NodeSchema schema() {
    return NodeSchema("io.metrics", "Appends losses and rates to a JSON-lines file.")
        .list_input(kValues, "scalars to log (loss nodes' `raw`, optim.step's `total` and `lr`)")
        .params_of(kPath, kEvery, kProgress)
        .checks([](const Params& params) {
          return output_folder_problems(kPath.name, std::filesystem::path(params.get(kPath)).parent_path());
        });
  }

  explicit MetricsLog(const NodeContext& context)
      : path_(context.params.get(kPath)),
        every_(context.params.get(kEvery)),
        progress_(context.params.get(kProgress)),
        live_values_(context.live_values) {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    out_.open(path_, std::ios::app);
    if (!out_) throw UserError("cannot open '" + path_.string() + "' for writing");
    last_ = std::chrono::steady_clock::now();
  }

  void process(Frame& frame) override {
    ++since_last_;
    const std::int64_t iteration = frame.id() + 1;
    const auto values = frame.get_all(kValues);
    const auto names = frame.sources(kValues);
    auto name_of = [&](std::size_t i) { return i < names.size() ? names[i] : "value" + std::to_string(i); };
    // Reading a value on a GPU waits for the GPU to catch up: there only on the lines it writes.
    const bool writes_line = iteration % every_ == 0;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (live_values_ && shown_on_progress_line(name_of(i)) && (writes_line || values[i]->value.is_cpu()))
        live_values_->show(name_of(i), values[i]->value.item<double>());
    if (!writes_line) return;
    const auto now = std::chrono::steady_clock::now();
    nlohmann::json line = {{"iteration", iteration}};
    for (std::size_t i = 0; i < values.size(); ++i) line[name_of(i)] = values[i]->value.item<double>();
    line["iterations_per_second"] = since_last_ / std::chrono::duration<double>(now - last_).count();
    out_ << line.dump() << "\n" << std::flush;
    last_ = now;
    since_last_ = 0;
  }

 private:
  bool shown_on_progress_line(const std::string& name) const {
    if (progress_.empty()) return name.size() > 6 && name.compare(name.size() - 6, 6, ".total") == 0;
    return std::find(progress_.begin(), progress_.end(), name) != progress_.end();
  }

  std::filesystem::path path_;
  std::int64_t every_;
  StringList progress_;
  std::ofstream out_;
  std::chrono::steady_clock::time_point last_;
  std::int64_t since_last_ = 0;
  LiveValues* live_values_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::MetricsLog)
