#pragma once
// Runs a validated pipeline on a oneTBB flow graph.
//
// Frames: a ticker emits frame ids through a limiter (at most `frames_in_flight` frames between
// the ticker and the sink). A node with several producers gathers their outputs for one frame id
// before it runs; serial nodes see frames in id order. A frame that a source ended, or that
// follows a failure or an interrupt, still travels the graph as a dropped marker, so every gather
// and the limiter stay balanced.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "munit/pipeline.h"

namespace munit {

struct NodeStats {
  std::string id;
  std::int64_t frames = 0;
  double busy_seconds = 0;
  int max_concurrent = 0;  // most frames this node processed at the same time
};

struct RunStats {
  std::int64_t frames = 0;         // frames that went through every node
  std::int64_t max_in_flight = 0;  // most frames between the limiter and the sink at once
  double seconds = 0;
  bool interrupted = false;
  std::vector<NodeStats> nodes;
};

struct RunOptions {
  const std::atomic<bool>* interrupt = nullptr;  // set (e.g. by SIGINT) to stop emitting frames
  double progress_every_seconds = 5;             // an info line this often (0: never)
  // Called once per frame, on one thread, as each frame leaves the graph (benchmarks time these).
  std::function<void(FrameId)> on_frame_done;
  FrameId measure_from = 0;  // node busy times count frames from this id on (skip a warm-up)
  // On a GPU a node returns once its kernels are queued: wait for them before its time stops, so
  // busy times are GPU times (munit bench --sync-nodes). Slows the run; no effect on the CPU.
  bool synchronize_nodes = false;
};

// Runs the calling thread's LibTorch kernels on that thread alone (one intra-op thread). Programs
// that run pipelines call it first: only compute lanes may open OpenMP teams (graph/src/
// compute_lanes.h says why), and a team, once made, lasts as long as its thread.
void use_one_intra_op_thread();

// Throws RunError naming the node, its kind and the frame when a node fails.
RunStats run_pipeline(const Pipeline& pipeline, const RunOptions& options = {});

}  // namespace munit
