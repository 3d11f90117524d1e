// Catch2's main, compiled once and shared by every test_<module> executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
