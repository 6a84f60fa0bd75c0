# Every dependency comes from a Debian package (see scripts/install-deps).
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(spdlog REQUIRED CONFIG)
find_package(tomlplusplus REQUIRED CONFIG)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBCRYPT REQUIRED IMPORTED_TARGET libcrypt)
# CLI11 is header-only; Debian ships CLI/CLI.hpp.
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
if(SUITE_TESTS)
  find_package(GTest REQUIRED)
endif()
