# ASan+UBSan for the test build, libFuzzer for fuzz targets.
if(SUITE_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14's UBSan function check rejects Asio coroutine frames
    # ("Cannot represent a difference across sections").
    list(APPEND _san -fno-sanitize=function)
  endif()
  add_compile_options(${_san})
  add_link_options(${_san})
endif()

if(SUITE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SUITE_FUZZ needs clang (libFuzzer)")
  endif()
  # Instrument everything for coverage; the fuzz targets add -fsanitize=fuzzer at link.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Fuzz targets live in tests/fuzz (suite_fuzz_target there).
