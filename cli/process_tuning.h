#pragma once
// How the munit process sets up its C runtime for compute, before anything runs.

namespace munit::cli {

// OpenMP threads that wait actively between parallel regions: a training step is thousands of
// short regions, and waking sleeping threads for each made the backward pass up to 1.4x slower on
// the 2-core machines (README, Measurements). libgomp reads OMP_WAIT_POLICY once, when it loads,
// before main; so when the variable is unset, the commands that train or translate (run, bench,
// translate) set it and restart munit once (loading LibTorch again: about 0.7 s). A value the
// user exported is kept. Returns only if no restart was needed (or it failed, which costs speed,
// not correctness).
void use_active_openmp_waiting(char** argv);

// One glibc malloc arena for all threads: tensors freed on another thread than the one that made
// them (nodes run on lanes, backward on the step's) kept memory in per-thread arenas; one arena
// cut the peak of a 128 px training run from 2309 to 2062 MiB at the same speed. MALLOC_ARENA_MAX,
// when set, wins.
void use_one_malloc_arena();

}  // namespace munit::cli
