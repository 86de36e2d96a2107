#pragma once
// OpenMP threads that wait actively between parallel regions: a training step is thousands of
// short regions, and waking sleeping threads for each made the backward pass up to 1.4x slower on
// the 2-core machines (README, Measurements). libgomp reads OMP_WAIT_POLICY once, when it loads,
// before main; so when the variable is unset, the commands that train or translate (run, bench,
// translate) set it and restart munit once (loading LibTorch again: about 0.7 s). A value the
// user exported is kept.

namespace munit::cli {

// Returns only if no restart was needed (or it failed, which costs speed, not correctness).
void use_active_openmp_waiting(char** argv);

}  // namespace munit::cli
