#pragma once
// Where a run's time goes, operator by operator: LibTorch's RecordFunction callbacks time every
// operator on every thread; an operator's self time excludes the operators it calls. Used by
// `munit bench --ops N`.
#include <cstddef>
#include <cstdint>

namespace munit::cli {

class OpProfile {
 public:
  OpProfile();   // starts timing (operators and autograd functions)
  ~OpProfile();  // stops
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  void reset();  // forgets what was timed so far (the warm-up)
  void stop();   // times nothing more (what runs after the measured frames)
  // The `top` operators by self time, per frame over `frames` frames.
  void print(int top, std::size_t frames) const;

 private:
  std::uint64_t handle_;
};

}  // namespace munit::cli
