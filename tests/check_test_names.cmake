# A Catch2 test name with a ';' splits into two CTest tests (CMake lists), each of which
# matches no test case and passes without running anything. This check, run by CTest, lists
# the test names of a Catch2 binary and fails on any such name.
#   cmake -DTEST_BINARY=<path> -P check_test_names.cmake
execute_process(COMMAND "${TEST_BINARY}" --list-test-names-only
    OUTPUT_VARIABLE names RESULT_VARIABLE result)
if(NOT result EQUAL 0 AND names STREQUAL "")
    message(FATAL_ERROR "could not list the tests of ${TEST_BINARY} (exit code ${result})")
endif()
string(REPLACE "\n" "|" names "${names}")  # keep the ';' of a name visible, not as list separators
string(REGEX MATCHALL "[^|]*;[^|]*" bad "${names}")
if(bad)
    message(FATAL_ERROR "test names with ';' (CTest would split them and run nothing): ${bad}")
endif()
string(REGEX MATCHALL "[^|]+" all "${names}")
list(LENGTH all count)
message(STATUS "${count} test names, none with ';'")
