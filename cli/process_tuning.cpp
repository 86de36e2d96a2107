#include "process_tuning.h"

#include <cstdlib>
#include <cstring>

#include <malloc.h>
#include <unistd.h>

namespace munit::cli {

void use_active_openmp_waiting(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  bool computes = false;
  for (char** arg = argv + 1; *arg != nullptr; ++arg)
    for (const char* command : {"run", "bench", "translate"}) computes = computes || std::strcmp(*arg, command) == 0;
  if (!computes) return;
  setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
  execv("/proc/self/exe", argv);
}

void use_one_malloc_arena() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
}

}  // namespace munit::cli
