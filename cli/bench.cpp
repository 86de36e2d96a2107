#include "bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <numeric>
#include <vector>

#include "munit/errors.h"
#include "munit/executor.h"
#include "op_profile.h"
#include "peak_memory.h"

namespace munit::cli {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Images per frame: the largest `batch` among the pipeline's sources (0 if none declares one).
std::int64_t images_per_frame(const Pipeline& pipeline) {
  std::int64_t batch = 0;
  for (const auto& node : pipeline.nodes)
    if (node.upstream.empty() && node.params.values().count("batch"))
      batch = std::max(batch, node.params.get<std::int64_t>("batch"));
  return batch;
}

}  // namespace

void run_bench(const Pipeline& pipeline, const BenchOptions& options) {
  const FrameId first = pipeline.settings.first_frame;
  const FrameId measured_from = first + options.warmup;
  const FrameId end = measured_from + options.iterations;
  if (pipeline.settings.frames > 0 && pipeline.settings.frames < end)
    throw UserError("the pipeline stops at frame " + std::to_string(pipeline.settings.frames) + ": too few for " +
                    std::to_string(options.warmup) + " warm-up and " + std::to_string(options.iterations) +
                    " measured frames (raise [pipeline] frames or leave it 0)");
  Pipeline timed = pipeline;
  timed.settings.frames = end;

  // A frame's time is the interval since the frame before it left the graph: with frames in flight
  // this is the throughput, not one frame's latency. Frames may leave out of id order, so the
  // warm-up is the first `warmup` frames to leave, whichever they are.
  std::vector<double> seconds_per_frame;
  Clock::time_point last_done;
  std::int64_t left = 0;
  RunOptions run_options;
  run_options.progress_every_seconds = 0;
  run_options.measure_from = measured_from;
  run_options.synchronize_nodes = options.sync_nodes;
  std::unique_ptr<OpProfile> ops;
  if (options.ops > 0) ops = std::make_unique<OpProfile>();
  run_options.on_frame_done = [&](FrameId) {
    const auto now = Clock::now();
    if (ops && left + 1 == std::max<std::int64_t>(options.warmup, 1)) ops->reset();
    if (left++ >= std::max<std::int64_t>(options.warmup, 1))
      seconds_per_frame.push_back(std::chrono::duration<double>(now - last_done).count());
    last_done = now;
    // Closing the nodes (a final sample sheet, say) is not part of an iteration.
    if (ops && left == end - first) ops->stop();
  };
  RunStats stats = run_pipeline(timed, run_options);
  if (seconds_per_frame.empty()) throw RunError("the pipeline ended before the measured frames (a finite source?)");

  const double per_frame = median(seconds_per_frame);
  const std::int64_t batch = images_per_frame(pipeline);
  std::printf("%s: %zu frames measured after %lld warm-up\n", pipeline.file.c_str(), seconds_per_frame.size(),
              static_cast<long long>(options.warmup));
  const double mean = std::accumulate(seconds_per_frame.begin(), seconds_per_frame.end(), 0.0) / seconds_per_frame.size();
  std::printf("  median %.4f s/iteration (min %.4f, max %.4f); mean %.4f (the measured span / frames)\n", per_frame,
              *std::min_element(seconds_per_frame.begin(), seconds_per_frame.end()),
              *std::max_element(seconds_per_frame.begin(), seconds_per_frame.end()), mean);
  if (batch > 0)
    std::printf("  %.2f images/s at the median, %.2f at the mean (%lld per iteration)\n", batch / per_frame, batch / mean,
                static_cast<long long>(batch));
  std::printf("  peak memory %.0f MiB (resident)\n", peak_resident_mib());

  std::vector<NodeStats> nodes = stats.nodes;
  const double busy = std::accumulate(nodes.begin(), nodes.end(), 0.0,
                                      [](double sum, const NodeStats& node) { return sum + node.busy_seconds; });
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeStats& a, const NodeStats& b) { return a.busy_seconds > b.busy_seconds; });
  std::printf("  share of node busy time (%.2f s over the measured frames%s):\n", busy,
              options.sync_nodes ? ", each node waiting for its GPU kernels" : "");
  for (const auto& node : nodes) {
    if (busy <= 0 || node.busy_seconds / busy < 0.001) continue;
    std::printf("    %-20s %5.1f%%  %8.4f s/iteration\n", node.id.c_str(), 100 * node.busy_seconds / busy,
                node.busy_seconds / seconds_per_frame.size());
  }
  if (ops) ops->print(options.ops, seconds_per_frame.size());
}

}  // namespace munit::cli
