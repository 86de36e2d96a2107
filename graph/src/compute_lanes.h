#pragma once
// Compute lanes: `count` long-lived threads that run compute nodes (the LibTorch-heavy ones), one
// node at a time each. A TBB worker hands a node to a free lane and sleeps until it is done.
//
// Why threads of their own: LibTorch's intra-op parallelism is OpenMP, and OpenMP gives every
// thread that opens a parallel region its own team of workers, which spin between regions. Run on
// whichever TBB worker is free, compute nodes would grow a team per worker, and the idle teams'
// spinning would take the cores from the busy one.
//
// With `cores` > 0 the lanes share that many cores, and only lane 0 ever runs more than one
// intra-op thread: libgomp stops spinning (1,000 rounds instead of about 3 ms, then a futex sleep
// at every wait) once the process holds more OpenMP threads than cores, and a team keeps its
// threads for good. A node that starts on lane 0 gets the cores no other node is running or
// waiting for, so a node running alone (the backward pass every model node waits for) uses every
// core, and nodes that are ready together run side by side on one core each. While a node runs
// on more than one core, no other node starts; it would only take cores from it.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace munit {

class ComputeLanes {
 public:
  explicit ComputeLanes(int count, int cores = 0);
  ~ComputeLanes();
  ComputeLanes(const ComputeLanes&) = delete;
  ComputeLanes& operator=(const ComputeLanes&) = delete;

  // Runs `work` on a lane and returns when it has finished; rethrows what it threw. `work` gets its
  // share of the cores as intra-op threads, or 0 when the lanes do not share cores.
  void run(const std::function<void(int threads)>& work);

  // Nodes handed over and not yet started.
  std::size_t waiting();

 private:
  struct Job;
  void serve(int lane);
  bool may_start(int lane) const;
  int threads_for(int lane) const;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job*> jobs_;
  bool stopping_ = false;
  int cores_ = 0;
  int busy_ = 0;
  bool first_busy_ = false;  // lane 0 runs a node
  bool wide_ = false;        // a node runs on more than one core
  std::vector<std::thread> threads_;
};

}  // namespace munit
