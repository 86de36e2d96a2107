// How TBB workers and LibTorch intra-op threads share the cores: runs a convolution-heavy
// parallel node under several [pipeline] thread settings and prints the median frames/s of each
// over several interleaved rounds (shared machines are noisy). Not a test:
// `build/tests/munit_bench_threads [frames] [rounds]`.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "munit/executor.h"
#include "munit/pipeline.h"
#include "munit/tensor.h"

namespace {

// A 3x3, 256-channel convolution on a batch of 8 at 32x32 per frame: 9.66 GFLOP.
class Conv : public munit::Node {
 public:
  static constexpr munit::Out<munit::Scalar> kOut{"out"};
  static munit::NodeSchema schema() {
    return munit::NodeSchema("bench.conv", "one convolution per frame")
        .output(kOut, "the output's mean")
        .param(munit::int_param("count", 24))
        .parallel()
        .uses_compute();
  }
  explicit Conv(const munit::NodeContext& context)
      : count_(context.params.get<std::int64_t>("count")),
        input_(torch::randn({8, 256, 32, 32})),
        weight_(torch::randn({256, 256, 3, 3})) {}
  void process(munit::Frame& frame) override {
    if (frame.id() >= count_) return frame.end_of_stream();
    frame.put(kOut, munit::Scalar{torch::conv2d(input_, weight_, {}, 1, 1).mean()});
  }

 private:
  std::int64_t count_;
  torch::Tensor input_, weight_;
};

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 24;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  spdlog::set_level(spdlog::level::warn);
  munit::Registry registry;
  registry.add_node<Conv>();
  struct Setting {
    const char* name;
    int threads, intra, lanes;
  };
  const Setting settings[] = {
      {"1 worker x 1 intra-op thread", 1, 1, 1},
      {"2 workers, 1 lane x 2 intra-op threads", 2, 2, 0},
      {"2 workers, 2 lanes x 1 intra-op thread (auto)", 2, 0, 0},
      {"2 workers, 2 lanes x 2 intra-op threads (oversubscribed)", 2, 2, 2},
  };
  std::printf("%d frames of a 3x3 256-channel conv, batch 8, 32x32 (9.66 GFLOP each), median of %d rounds\n",
              frames, rounds);
  std::vector<munit::Pipeline> pipelines;
  for (const auto& s : settings) {
    std::string toml = "[pipeline]\nlog_level = \"warn\"\nthreads = " + std::to_string(s.threads) +
                       "\nintra_op_threads = " + std::to_string(s.intra) + "\ncompute_lanes = " +
                       std::to_string(s.lanes) + "\nframes_in_flight = 4\n[nodes.conv]\nkind = \"bench.conv\"\ncount = " +
                       std::to_string(frames) + "\n";
    pipelines.push_back(munit::validate(munit::parse_pipeline_text(toml, "bench.toml"), registry));
    munit::run_pipeline(pipelines.back());  // warm-up: oneDNN primitive caches, thread pools
  }
  std::vector<std::vector<double>> rates(pipelines.size());
  for (int round = 0; round < rounds; ++round)
    for (std::size_t i = 0; i < pipelines.size(); ++i) {
      auto stats = munit::run_pipeline(pipelines[i]);
      rates[i].push_back(stats.frames / stats.seconds);
    }
  for (std::size_t i = 0; i < pipelines.size(); ++i) {
    std::sort(rates[i].begin(), rates[i].end());
    double median = rates[i][rates[i].size() / 2];
    std::printf("%-58s %6.2f frames/s  %6.1f GFLOP/s  (min %.2f, max %.2f)\n", settings[i].name, median,
                median * 9.66, rates[i].front(), rates[i].back());
  }
}
