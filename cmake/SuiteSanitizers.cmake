# ASan+UBSan for the test build, libFuzzer for fuzz targets.
if(SUITE_SANITIZE)
  # UBSan's null check is left out: ASan already reports a null dereference (as SEGV, with
  # its stack), and on the Asio coroutine code the check costs a tenth of the build time.
  set(_san -fsanitize=address,undefined -fno-sanitize=null -fno-omit-frame-pointer
           -fno-sanitize-recover=undefined)
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
