#pragma once
// The process's peak resident memory so far (getrusage), in MiB.
#include <sys/resource.h>

namespace munit::cli {

inline double peak_resident_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux reports KiB
}

}  // namespace munit::cli
