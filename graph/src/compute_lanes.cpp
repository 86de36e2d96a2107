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
  for (int i = 0; i < count; ++i) threads_.emplace_back([this, i] { serve(i); });
}

ComputeLanes::~ComputeLanes() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ComputeLanes::run(const std::function<void(int)>& work) {
  Job job{&work};
  std::unique_lock<std::mutex> lock(mutex_);
  jobs_.push_back(&job);
  changed_.notify_all();  // not every lane may take it (may_start)
  job.finished.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

std::size_t ComputeLanes::waiting() {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

bool ComputeLanes::may_start(int lane) const {
  if (cores_ == 0) return true;
  return !wide_ && (lane == 0 || first_busy_);
}

int ComputeLanes::threads_for(int lane) const {
  if (cores_ == 0) return 0;
  if (lane != 0) return 1;
  return std::max(1, cores_ - busy_ - static_cast<int>(jobs_.size()));
}

void ComputeLanes::serve(int lane) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || (!jobs_.empty() && may_start(lane)); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job* job = jobs_.front();
    jobs_.pop_front();
    const int threads = threads_for(lane);
    ++busy_;
    if (lane == 0) first_busy_ = true;
    if (threads > 1) wide_ = true;
    if (lane == 0 && !jobs_.empty()) changed_.notify_all();  // the other lanes may start now
    lock.unlock();
    try {
      (*job->work)(threads);
    } catch (...) {
      job->error = std::current_exception();
    }
    lock.lock();
    --busy_;
    if (lane == 0) first_busy_ = false;
    if (threads > 1) wide_ = false;
    job->done = true;
    job->finished.notify_one();
    changed_.notify_all();  // a lane that had to wait may start now
  }
}

}  // namespace munit
