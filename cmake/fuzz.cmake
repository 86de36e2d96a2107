# -DMUNIT_FUZZ=ON (scripts/fuzz.sh, clang only): the libFuzzer targets in fuzz/. munit's code gets
# libFuzzer's coverage instrumentation; combine with MUNIT_SANITIZE=address,undefined.
option(MUNIT_FUZZ "Build the libFuzzer targets (fuzz/; clang)" OFF)
if(MUNIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MUNIT_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-15")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
