# -DMUNIT_SANITIZE=address,undefined (scripts/sanitize.sh): every munit target (the libraries, munit,
# the tests, the plugins) is compiled and linked with these sanitizers. LibTorch, oneTBB and OpenCV
# are Debian's builds, not instrumented. UBSan stops at its first report, so a finding fails the run.
set(MUNIT_SANITIZE "" CACHE STRING "Sanitizers for every munit target, e.g. address,undefined")
if(MUNIT_SANITIZE)
  set(munit_sanitize_flags -fsanitize=${MUNIT_SANITIZE} -fno-omit-frame-pointer)
  if(MUNIT_SANITIZE MATCHES "undefined")
    list(APPEND munit_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${munit_sanitize_flags})
  add_link_options(${munit_sanitize_flags})
endif()
