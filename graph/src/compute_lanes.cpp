#include "compute_lanes.h"

#include <algorithm>
#include <exception>

namespace munit {

struct ComputeLanes::Job {
  const std::function<void(int)>* work;
  std::exception_ptr error;
  bool done = false;
  std::condition_variable finished;
};

ComputeLanes::ComputeLanes(int count, int cores) : cores_(cores) {
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { serve(); });
}

ComputeLanes::~ComputeLanes() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ComputeLanes::run(const std::function<void(int)>& work) {
  Job job{&work};
  std::unique_lock<std::mutex> lock(mutex_);
  jobs_.push_back(&job);
  queued_.notify_one();
  job.finished.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

void ComputeLanes::serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    queued_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job* job = jobs_.front();
    jobs_.pop_front();
    const int threads = cores_ > 0 ? std::max(1, cores_ - busy_) : 0;
    ++busy_;
    lock.unlock();
    try {
      (*job->work)(threads);
    } catch (...) {
      job->error = std::current_exception();
    }
    lock.lock();
    --busy_;
    job->done = true;
    job->finished.notify_one();
  }
}

}  // namespace munit
