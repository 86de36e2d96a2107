# cmake -DTESTS=<munit_tests> -DGROUPS=<test_groups.txt> -P every_case_once.cmake
# Fails unless the ctest groups' filters (GROUPS, one a line) together select every case of
# `munit_tests --gtest_list_tests` exactly once; gtest itself applies each filter.
function(list_cases filter out)
  execute_process(COMMAND ${TESTS} --gtest_list_tests --gtest_filter=${filter}
                  OUTPUT_VARIABLE listing RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "${TESTS} --gtest_list_tests failed: ${failed}")
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  set(cases "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE " *#.*" "" line "${line}")  # "  case/0  # GetParam() = ..."
    if(line MATCHES "^([^ ].*)\\.$")
      set(suite "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^  (.+)$")
      list(APPEND cases "${suite}.${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out} "${cases}" PARENT_SCOPE)
endfunction()

list_cases("*" all)
file(STRINGS ${GROUPS} filters)
set(grouped "")
foreach(filter IN LISTS filters)
  list_cases("${filter}" cases)
  list(APPEND grouped ${cases})
endforeach()

set(missing ${all})
list(REMOVE_ITEM missing ${grouped})  # with as many runs as cases: none twice either
list(LENGTH all cases)
list(LENGTH grouped runs)
list(LENGTH filters groups)
if(missing OR NOT runs EQUAL cases)
  message(FATAL_ERROR "${cases} cases, ${runs} runs in ${groups} groups; never run: ${missing}")
endif()
message("${cases} cases, each run once in one of ${groups} groups")
