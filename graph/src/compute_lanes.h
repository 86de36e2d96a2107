#pragma once
// Compute lanes: `count` long-lived threads that run compute nodes (the LibTorch-heavy ones), one
// node at a time each. A TBB worker hands a node to a free lane and sleeps until it is done.
//
// Why threads of their own: LibTorch's intra-op parallelism is OpenMP, and OpenMP gives every
// thread that opens a parallel region its own team of workers, which spin between regions. Run on
// whichever TBB worker is free, compute nodes would grow a team per worker, and the idle teams'
// spinning would take the cores from the busy one. On lanes there are exactly `count` teams.
//
// With `cores` > 0 the lanes share that many cores: a node starting while k other lanes are busy
// gets cores - k intra-op threads (at least 1), so a node running alone, like a backward pass that
// every other model node waits for, uses every core, and nodes running side by side split them.
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

 private:
  struct Job;
  void serve();

  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Job*> jobs_;
  bool stopping_ = false;
  int cores_ = 0;
  int busy_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace munit
