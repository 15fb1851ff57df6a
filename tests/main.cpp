// Catch2's main(), compiled once into its own library (mlpipe_catch_main) so that editing a
// test file never recompiles it. Test files go in tests/<topic>/test_*.cpp; they are found by
// tests/CMakeLists.txt and include <catch2/catch.hpp> only.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
